"""GeoTIFF population rasters (WorldPop style): each cell to the ends of the street nearest its
centre, nodata and negative cells ignored, CRS from the GeoKeys, clear errors for what cannot be
read."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from pyproj import Transformer

from safepassage.errors import DataError
from safepassage.io.population import place_population
from safepassage.io.population_raster import read_population_raster
from safepassage.model.scenario import PopulationSource, PopulationSpec
from tests.io.conftest import UTM, X0, Y0, local_network, lonlat, write_geotiff

# "H" of streets: n0 (0, 0), n1 (200, 0), n2 (0, 100), n3 (200, 100) in local metres
NET = local_network(
    [(0.0, 0.0), (200.0, 0.0), (0.0, 100.0), (200.0, 100.0)], [(0, 1), (2, 3), (0, 2), (1, 3)]
)
# 2 x 3 cells of 100 m; centres at x = 0, 100, 200 and y = 100 (row 0), 0 (row 1)
CELLS = np.array([[1.0, -99999.0, 3.0], [0.0, -5.0, 6.0]])
TOP_LEFT = (X0 - 50.0, Y0 + 150.0)


def place(path, **options):
    spec = PopulationSpec(sources=[PopulationSource(path=path)], **options)
    return place_population(spec, NET)


def test_cells_go_to_the_nodes_at_their_centre(tmp_path):
    path = write_geotiff(tmp_path / "wp.tif", CELLS, tie=TOP_LEFT, cell=(100.0, 100.0))
    placement = place(path)
    # nodata, zero and negative cells hold nobody; the centres of (0,0), (0,2) and (1,2) stand
    # on n2, n3 and n1
    assert placement.people_per_node(4).tolist() == pytest.approx([0.0, 6.0, 1.0, 3.0])
    source = placement.sources[0]
    assert (source.format, source.input_people, source.placed_people) == ("geotiff", 10.0, 10.0)
    assert placement.areas == ("wp.tif",)


def test_pixel_is_point_rasters_are_tied_at_the_cell_centre(tmp_path):
    centre = (X0 + 0.0, Y0 + 100.0)
    path = write_geotiff(
        tmp_path / "wp.tif", CELLS, tie=centre, cell=(100.0, 100.0), pixel_is_point=True
    )
    assert place(path).people_per_node(4).tolist() == pytest.approx([0.0, 6.0, 1.0, 3.0])


def test_geographic_rasters_are_projected_to_the_network(tmp_path):
    west, north = lonlat(0, 100)
    cell = 0.0005  # degrees: about 48 m east-west and 55 m north-south here
    data = np.array([[4.0, 0.0, 0.0, 0.0, 2.5], [1.0, 0.0, 0.0, 0.0, 0.0]], dtype=float)
    path = write_geotiff(
        tmp_path / "wp4326.tif",
        data,
        tie=(west - cell / 2, north + cell / 2),
        cell=(cell, cell),
        epsg=4326,
        geographic=True,
    )
    to_utm = Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
    x, y = to_utm.transform(np.array([west + 4 * cell, west]), np.array([north, north - cell]))
    # centres of cells (0, 4) and (1, 0) in local metres (UTM grid north is ~2° off true north
    # here): by the street n2-n3 (y = 100), 193/200 of the way to n3, and by the upright n0-n2
    # (x = 0), 45/100 of the way up; cell (0, 0) stands on n2
    (east, west_x), (top, low) = (x - X0).tolist(), (y - Y0).tolist()
    assert (east, west_x) == pytest.approx((193.0, 1.0), abs=5)
    assert (top, low) == pytest.approx((100.0, 45.0), abs=5)
    t_top, t_low = east / 200.0, low / 100.0
    expected = [1.0 * (1 - t_low), 0.0, 4.0 + 2.5 * (1 - t_top) + 1.0 * t_low, 2.5 * t_top]
    assert place(path).people_per_node(4).tolist() == pytest.approx(expected)


def test_nan_nodata_is_respected(tmp_path):
    data = np.array([[np.nan, 2.0]])
    path = write_geotiff(tmp_path / "nan.tif", data, tie=TOP_LEFT, cell=(100.0, 100.0))
    assert place(path).placed_people == pytest.approx(2.0)


def test_integer_rasters_with_their_own_nodata(tmp_path):
    data = np.array([[1, 65535, 3], [0, 0, 6]])
    path = write_geotiff(
        tmp_path / "u16.tif",
        data,
        tie=TOP_LEFT,
        cell=(100.0, 100.0),
        nodata="65535",
        dtype=np.uint16,
    )
    assert place(path).people_per_node(4).tolist() == pytest.approx([0.0, 6.0, 1.0, 3.0])


def test_cells_outside_are_one_error_or_one_dropped_group(tmp_path):
    far = (TOP_LEFT[0] + 5000.0, TOP_LEFT[1])
    data = np.array([[1.0, 2.0, 0.0], [0.0, 3.0, 0.0]])
    path = write_geotiff(tmp_path / "far.tif", data, tie=far, cell=(100.0, 100.0))
    with pytest.raises(DataError) as info:
        place(path)
    message = str(info.value)
    assert message.startswith(f"{path}: 3 cells holding 6 people are farther than")
    assert "the first, cell at row 0, column 0 (counted from 0 at the top left), is 4" in message
    assert message.endswith("or clip the population to the network")
    placement = place(path, outside="drop")
    (dropped,) = placement.sources[0].dropped
    assert (dropped.where, dropped.people) == ("3 cells", 6.0)
    assert placement.sources[0].placed_people == 0.0
    assert placement.origin_node.shape == (0,)


def test_scaled_raster_keeps_the_account(tmp_path):
    path = write_geotiff(tmp_path / "wp.tif", CELLS, tie=TOP_LEFT, cell=(100.0, 100.0))
    placement = place(path, total=25.0)
    assert placement.scale == pytest.approx(2.5)
    assert placement.people_per_node(4).tolist() == pytest.approx([0.0, 15.0, 2.5, 7.5])


def test_rotated_raster_is_refused(tmp_path):
    matrix = (70.7, -70.7, 0, X0, 70.7, 70.7, 0, Y0, 0, 0, 0, 0, 0, 0, 0, 1)
    path = write_geotiff(
        tmp_path / "rot.tif",
        CELLS,
        tie=TOP_LEFT,
        cell=(100.0, 100.0),
        extra=[(34264, "d", 16, matrix)],
    )
    with pytest.raises(DataError, match=r"rot\.tif: the raster is rotated or flipped"):
        place(path)


def test_unrotated_transformation_matrix_is_read(tmp_path):
    matrix = (100.0, 0, 0, TOP_LEFT[0], 0, -100.0, 0, TOP_LEFT[1], 0, 0, 0, 0, 0, 0, 0, 1)
    path = tmp_path / "matrix.tif"
    keys = (1, 1, 0, 2, 1024, 0, 1, 1, 3072, 0, 1, 32719)
    tifffile.imwrite(
        path,
        CELLS.astype(np.float32),
        extratags=[(34264, "d", 16, matrix), (34735, "H", len(keys), keys)],
    )
    values, grid = read_population_raster(path)
    assert grid.crs == "EPSG:32719" and grid.nodata is None
    assert (grid.x0 - X0, grid.y0 - Y0, grid.dx, grid.dy) == pytest.approx((0, 100, 100, 100))
    assert values.shape == (2, 3)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"epsg": None}, "has no EPSG code"),
        ({"epsg": 32767}, "has no EPSG code"),
        ({"epsg": 1}, "EPSG:1 in the GeoKeyDirectoryTag is not a known CRS"),
        ({"nodata": "none"}, "GDAL_NODATA tag 'none' is not a number"),
        ({"cell": (0.0, 100.0)}, "ModelPixelScaleTag gives a cell size of 0.0 x 100.0"),
    ],
)
def test_bad_georeferencing(tmp_path, kwargs, expected):
    options = {"tie": TOP_LEFT, "cell": (100.0, 100.0), **kwargs}
    path = write_geotiff(tmp_path / "bad.tif", CELLS, **options)
    with pytest.raises(DataError, match=expected):
        place(path)


def test_plain_tiff_is_not_a_geotiff(tmp_path):
    path = tmp_path / "plain.tif"
    tifffile.imwrite(path, CELLS.astype(np.float32))
    with pytest.raises(DataError, match=r"plain\.tif: not a GeoTIFF"):
        place(path)


def test_tiff_without_geokeys_has_no_crs(tmp_path):
    path = tmp_path / "nokeys.tif"
    tags = [(33550, "d", 3, (100.0, 100.0, 0.0)), (33922, "d", 6, (0, 0, 0, *TOP_LEFT, 0))]
    tifffile.imwrite(path, CELLS.astype(np.float32), extratags=tags)
    with pytest.raises(DataError, match=r"nokeys\.tif: no GeoKeyDirectoryTag"):
        place(path)


def test_multiband_raster_is_refused(tmp_path):
    path = tmp_path / "rgb.tif"
    tags = [(33550, "d", 3, (100.0, 100.0, 0.0)), (33922, "d", 6, (0, 0, 0, *TOP_LEFT, 0))]
    bands = np.stack([CELLS, CELLS], axis=-1).astype(np.float32)
    tifffile.imwrite(path, bands, photometric="minisblack", planarconfig="contig", extratags=tags)
    with pytest.raises(DataError, match="a population raster has one band"):
        place(path)


GOOD_KEYS = (1, 1, 0, 2, 1024, 0, 1, 1, 3072, 0, 1, 32719)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (
            [(33550, "d", 1, (100.0,)), (33922, "d", 6, (0, 0, 0, *TOP_LEFT, 0))],
            r"ModelPixelScaleTag \(33550\) holds 1 value\(s\), needs 3",
        ),
        (
            [(33550, "d", 3, (100.0, 100.0, 0.0)), (33922, "d", 3, (0.0, 0.0, 0.0))],
            r"ModelTiepointTag \(33922\) holds 3 value\(s\), needs 6",
        ),
        (
            [(34264, "d", 8, (100.0, 0, 0, TOP_LEFT[0], 0, -100.0, 0, TOP_LEFT[1]))],
            r"ModelTransformationTag \(34264\) holds 8 value\(s\), needs 16",
        ),
        (
            [(33550, "d", 3, (100.0, 100.0, 0.0)), (33922, "s", 0, "tiepoint")],
            r"ModelTiepointTag \(33922\) holds 'tiepoint', not numbers",
        ),
    ],
)
def test_georeferencing_tags_with_too_few_values(tmp_path, tags, expected):
    path = tmp_path / "short.tif"
    extratags = [*tags, (34735, "H", len(GOOD_KEYS), GOOD_KEYS)]
    tifffile.imwrite(path, CELLS.astype(np.float32), extratags=extratags)
    with pytest.raises(DataError, match=rf"short\.tif: {expected}; re-export the raster"):
        place(path)


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ((1, 1), r"GeoKeyDirectoryTag \(34735\) holds 2 value\(s\), needs 4"),
        ((1, 1, 0, 3, 1024, 0, 1, 1), r"GeoKeyDirectoryTag \(34735\) announces 3 keys but holds 1"),
    ],
)
def test_geokey_directory_with_too_few_values(tmp_path, keys, expected):
    path = tmp_path / "keys.tif"
    tags = [
        (33550, "d", 3, (100.0, 100.0, 0.0)),
        (33922, "d", 6, (0, 0, 0, *TOP_LEFT, 0)),
        (34735, "H", len(keys), keys),
    ]
    tifffile.imwrite(path, CELLS.astype(np.float32), extratags=tags)
    with pytest.raises(DataError, match=rf"keys\.tif: {expected}"):
        place(path)
