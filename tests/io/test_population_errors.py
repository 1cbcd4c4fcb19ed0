"""Bad population input: every case is one DataError line naming the file, the row, feature or
column, and the fix; nothing is placed."""

from __future__ import annotations

import json

import pytest

from safepassage.errors import DataError
from safepassage.io.population import place_population
from safepassage.model.scenario import PopulationSource, PopulationSpec
from tests.io.conftest import (
    grid_network,
    lonlat,
    polygon_feature,
    rectangle,
    write_geojson,
    write_text,
)

NET = grid_network()
LON, LAT = lonlat(100, 100)
HEAD = "lat,lon,population\n#geo+lat,#geo+lon,#population\n"
SQUARE = polygon_feature(rectangle(0, 0, 100, 100))["geometry"]
# a square in UTM metres, as a GeoJSON saved in its projected CRS would hold it
PROJECTED = {
    "type": "Polygon",
    "coordinates": [[[300000, 6680000], [300100, 6680000], [300100, 6680100], [300000, 6680000]]],
}


def fails(source: PopulationSource, *, total: float | None = None) -> str:
    with pytest.raises(DataError) as info:
        place_population(PopulationSpec(sources=[source], total=total), NET)
    message = str(info.value)
    assert "\n" not in message, message
    assert str(source.path) in message or str(source.boundaries) in message, message
    return message


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (f"{LAT},{LON},-4\n", "row 3: #population is negative (-4); counts must be >= 0"),
        (f"{LAT},{LON},abc\n", "row 3: #population is not a number ('abc')"),
        (f"{LAT},{LON},12\n{LAT},{LON},\n", "row 4: #population is empty; give the number"),
        (f"{LAT},{LON},nan\n", "row 3: #population is 'nan'; counts must be finite"),
        (f"95,{LON},3\n", "row 3: #geo+lat is '95'; latitudes must be decimal degrees"),
        (f"{LAT},east,3\n", "row 3: #geo+lon is 'east'; longitudes must be decimal degrees"),
        (f"{LAT},-181,3\n", "row 3: #geo+lon is '-181'; longitudes must be decimal degrees"),
        (f",{LON},3\n", "row 3: #geo+lat is empty; latitudes must be"),
    ],
)
def test_bad_hxl_point_rows_name_the_row(tmp_path, rows, expected):
    path = write_text(tmp_path / "points.csv", HEAD + rows)
    assert expected in fails(PopulationSource(path=path))


def test_missing_hxl_tags_are_listed_with_the_tags_found(tmp_path):
    text = "lat,lon,people\n#geo+lat,#geo+lon,#affected+f\n1,2,3\n"
    message = fails(PopulationSource(path=write_text(tmp_path / "tags.csv", text)))
    assert "missing HXL tag(s) #population" in message
    assert "needs #geo+lat, #geo+lon, #population" in message
    assert "found: #geo+lat, #geo+lon, #affected+f" in message


def test_csv_without_a_hashtag_row_says_how_to_tag_it(tmp_path):
    text = "lat,lon,population\n1,2,3\n"
    message = fails(PopulationSource(path=write_text(tmp_path / "plain.csv", text)))
    assert "no HXL hashtag row in the first 25 rows" in message


def test_csv_with_no_data_rows(tmp_path):
    message = fails(PopulationSource(path=write_text(tmp_path / "empty.csv", HEAD)))
    assert "no data rows under the hashtag row" in message


def test_two_population_columns_need_a_choice(tmp_path):
    text = f"#geo+lat,#geo+lon,#population+f,#population+m\n{LAT},{LON},1,2\n"
    message = fails(PopulationSource(path=write_text(tmp_path / "sexes.csv", text)))
    assert "2 columns match #population (#population+f, #population+m)" in message


def test_a_total_column_is_chosen_among_several(tmp_path):
    text = f"#geo+lat,#geo+lon,#population+f,#population+total\n{LAT},{LON},1,3\n"
    source = PopulationSource(path=write_text(tmp_path / "total.csv", text))
    placement = place_population(PopulationSpec(sources=[source]), NET)
    assert placement.placed_people == pytest.approx(3.0)


@pytest.mark.parametrize("suffix", [".csv", ".geojson", ".tif"])
def test_missing_files(tmp_path, suffix):
    message = fails(PopulationSource(path=tmp_path / f"nowhere{suffix}"))
    assert "file not found" in message


def test_missing_boundaries_file(tmp_path):
    path = write_text(tmp_path / "admin.csv", "#adm2+code,#population\nX,1\n")
    source = PopulationSource(
        path=path, boundaries=tmp_path / "adm2.geojson", code_property="pcode"
    )
    assert "admin boundaries file not found" in fails(source)


def test_directory_instead_of_a_file(tmp_path):
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert "is not a file" in fails(PopulationSource(path=folder))


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({"pop": 3}, "feature 1: no 'population' property (found: pop)"),
        ({"population": -2}, "feature 1: 'population' is negative (-2)"),
        ({"population": "abc"}, "feature 1: 'population' is not a number ('abc')"),
        ({"population": None}, "feature 1: 'population' is empty"),
        ({"population": True}, "feature 1: 'population' is not a number (True)"),
        ({"population": [1]}, "feature 1: 'population' is not a number ([1])"),
    ],
)
def test_bad_geojson_features_name_the_feature(tmp_path, properties, expected):
    good = polygon_feature(rectangle(0, 0, 100, 100), population=5)
    bad = polygon_feature(rectangle(100, 0, 200, 100), **properties)
    path = write_geojson(tmp_path / "areas.geojson", [good, bad])
    assert expected in fails(PopulationSource(path=path))


def test_numeric_strings_in_geojson_are_counts(tmp_path):
    area = polygon_feature(rectangle(0, 0, 100, 100), population=" 12.5 ")
    path = write_geojson(tmp_path / "areas.geojson", [area])
    placement = place_population(PopulationSpec(sources=[PopulationSource(path=path)]), NET)
    assert placement.placed_people == pytest.approx(12.5)


def test_geojson_that_is_not_json_or_not_polygons(tmp_path):
    broken = write_text(tmp_path / "broken.geojson", "{not json")
    assert "not valid JSON" in fails(PopulationSource(path=broken))
    point = {"type": "Feature", "properties": {"population": 1}}
    point["geometry"] = {"type": "Point", "coordinates": [LON, LAT]}
    points = write_text(tmp_path / "points.geojson", json.dumps(point))
    assert "feature 0: geometry is Point" in fails(PopulationSource(path=points))


def test_hxl_admin_without_code_tag(tmp_path):
    boundaries = write_geojson(
        tmp_path / "adm.geojson", [polygon_feature(rectangle(0, 0, 10, 10), pcode="A")]
    )
    path = write_text(tmp_path / "admin.csv", "#adm2+name,#population\nA,1\n")
    source = PopulationSource(path=path, boundaries=boundaries, code_property="pcode")
    message = fails(source)
    assert "missing HXL tag(s) #adm2+code (or #adm1+code, #adm3+code)" in message
    assert "found: #adm2+name, #population" in message


def test_hxl_admin_boundaries_without_the_code_property(tmp_path):
    boundaries = write_geojson(
        tmp_path / "adm.geojson", [polygon_feature(rectangle(0, 0, 10, 10), ADM2="A")]
    )
    path = write_text(tmp_path / "admin.csv", "#adm2+code,#population\nA,1\n")
    source = PopulationSource(path=path, boundaries=boundaries, code_property="pcode")
    assert "no feature has the property 'pcode'" in fails(source)


def test_hxl_admin_bad_count_names_row_and_empty_code(tmp_path):
    boundaries = write_geojson(
        tmp_path / "adm.geojson", [polygon_feature(rectangle(0, 0, 10, 10), pcode="A")]
    )
    text = "#adm2+code,#population\nA,-1\n"
    path = write_text(tmp_path / "admin.csv", text)
    source = PopulationSource(path=path, boundaries=boundaries, code_property="pcode")
    assert "row 2: #population is negative" in fails(source)
    write_text(path, "#adm2+code,#population\nA,1\n,2\n")
    assert "row 3: the admin code (#adm2+code) has no boundary" in fails(source)


def test_a_total_for_sources_holding_nobody(tmp_path):
    path = write_text(tmp_path / "zero.csv", HEAD + f"{LAT},{LON},0\n")
    assert "population.total = 100, but the sources" in fails(
        PopulationSource(path=path), total=100
    )


def test_a_raster_that_is_not_a_geotiff(tmp_path):
    path = write_text(tmp_path / "people.tif", "this is not an image")
    assert "cannot read as a GeoTIFF" in fails(PopulationSource(path=path))


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            {"type": "Feature", "properties": {"population": 1}, "geometry": "bogus"},
            "feature 0: geometry is 'bogus'; population areas needs Polygon",
        ),
        (
            {"type": "Feature", "properties": [1, 2], "geometry": SQUARE},
            'feature 0: "properties" is a list; GeoJSON properties must be an object',
        ),
        (
            {"type": "FeatureCollection", "features": 5},
            '"features" is a int; a FeatureCollection holds a list of features',
        ),
        (
            {"type": "Feature", "properties": {"population": 1}, "geometry": PROJECTED},
            "feature 0: coordinates are not WGS84 lon/lat (RFC 7946; bounds 300000, 6.68e+06, "
            "300100, 6.6801e+06); reproject to EPSG:4326",
        ),
    ],
)
def test_malformed_geojson_is_one_line(tmp_path, document, expected):
    path = write_text(tmp_path / "areas.geojson", json.dumps(document))
    assert expected in fails(PopulationSource(path=path))


def test_a_folder_without_suffix_has_no_format(tmp_path):
    with pytest.raises(ValueError, match="has no file suffix, so its format is unknown"):
        PopulationSource(path=tmp_path / "folder")


def test_unreadable_population_file(tmp_path, monkeypatch):
    path = write_text(tmp_path / "points.csv", HEAD + f"{LAT},{LON},3\n")
    monkeypatch.setattr("safepassage.io.files.os.access", lambda *_a, **_k: False)
    message = fails(PopulationSource(path=path))
    assert "cannot read the HXL population file (permission denied)" in message
