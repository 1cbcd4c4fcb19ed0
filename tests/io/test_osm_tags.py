import pytest

from safepassage.io.osm_tags import parse_lanes, parse_width_m, pavement_sides, walk_exclusion


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "residential"}, None),
        ({"highway": "footway"}, None),
        ({"highway": "steps"}, None),
        ({"highway": "trunk"}, None),
        ({"highway": "motorway"}, "highway=motorway"),
        ({"highway": "motorway", "foot": "yes"}, None),
        ({"highway": "cycleway"}, "highway=cycleway"),
        ({"highway": "bridleway"}, "highway=bridleway"),
        ({"highway": "bridleway", "foot": "yes"}, None),
        ({"highway": "cycleway", "foot": "designated"}, None),
        ({"highway": "residential", "access": "private"}, "access=private"),
        ({"highway": "residential", "access": "no", "foot": "yes"}, None),
        ({"highway": "service", "access": "private;delivery"}, "access=private"),
        ({"highway": "primary", "foot": "no"}, "foot=no"),
        ({"highway": "primary", "foot": "use_sidepath"}, "foot=use_sidepath"),
        ({"highway": "pedestrian", "area": "yes"}, "area=yes"),
        ({"highway": "service", "service": "private"}, "service=private"),
        ({"highway": "construction"}, "highway=construction"),
        ({"highway": "proposed"}, "highway=proposed"),
        ({"waterway": "river"}, "no highway tag"),
    ],
)
def test_walk_exclusion_follows_the_access_hierarchy(tags, expected):
    assert walk_exclusion(tags) == expected


@pytest.mark.parametrize(
    ("raw", "metres"),
    [
        ("3", 3.0),
        ("3.5", 3.5),
        ("3,5", 3.5),
        ("4 m", 4.0),
        ("12 ft", 12 * 0.3048),
        ("10'", 10 * 0.3048),
        ("10'6\"", 10 * 0.3048 + 6 * 0.0254),
        ("wide", None),
        ("0", None),
        ("-2", None),
        (None, None),
    ],
)
def test_width_tag_is_read_in_metres(raw, metres):
    got = parse_width_m(raw)
    if metres is None:
        assert got is None
    else:
        assert got == pytest.approx(metres)


@pytest.mark.parametrize(
    ("tags", "highway", "sides"),
    [
        ({}, "primary", 2),
        ({"sidewalk": "left"}, "primary_link", 1),
        ({"sidewalk": "separate"}, "residential", 0),
        ({}, "service", 0),
        ({"sidewalk": "both"}, "footway", 0),
    ],
)
def test_pavements_beside_a_carriageway(tags, highway, sides):
    assert pavement_sides(tags, highway) == sides


def test_lanes():
    assert parse_lanes("2") == 2
    assert parse_lanes("two") is None
    assert parse_lanes("0") is None
    assert parse_lanes(None) is None
