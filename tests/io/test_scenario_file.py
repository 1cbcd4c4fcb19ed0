"""The scenario file: every mistake gets one line naming the file, the field and the fix."""

import pytest

from safepassage.errors import ScenarioError
from safepassage.io.scenario_file import load_scenario

VALID = """
name = "Test city"
timezone = "Asia/Amman"
start = 2026-12-01T06:00:00

[network]
osm = "city.osm.pbf"

[population]
compliance = 0.7
[[population.sources]]
path = "districts.geojson"
name_property = "name"

[[groups]]
id = "general"
share = 0.9
[[groups]]
id = "mobility_impaired"
share = 0.1
walking_speed_mps = 0.6

[response]
distribution = "weibull"
params = { shape = 1.5, scale_min = 240 }

[[corridors]]
id = "C1"
name = "North gate"
lat = 34.01
lon = 30.0
throughput_pph = 2500
windows.daily = [["07:00", "12:00"], ["13:00", "17:00"]]
[[corridors.services]]
kind = "medical_post"
name = "North gate medical post"

[[corridors]]
id = "C2"
name = "Medical corridor"
lat = 34.0
lon = 30.02
throughput_pph = 400
eligible_groups = ["mobility_impaired"]
windows.intervals = [[2026-12-01T08:00:00, 2026-12-01T12:00:00]]

[[hazards]]
id = "H1"
effect = "slow"
speed_factor = 0.5
polygon = [[30.0, 34.0], [30.01, 34.0], [30.01, 34.01]]

[[warehouses]]
id = "W1"
name = "Central warehouse"
lat = 34.0
lon = 30.0

[[stocks]]
commodity = "cereal"
quantity = 2160
unit = "t"
warehouse = "W1"
"""


def write(tmp_path, text):
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_scenario_loads_with_paths_relative_to_the_file(tmp_path):
    scenario = load_scenario(write(tmp_path, VALID))
    assert scenario.network.osm == (tmp_path / "city.osm.pbf").resolve()
    assert scenario.population.sources[0].path == (tmp_path / "districts.geojson").resolve()
    # Jordan has kept UTC+3 all year since 2022
    assert scenario.start_local.utcoffset().total_seconds() == 3 * 3600
    assert scenario.eligible(scenario.corridors[0]) == ["general", "mobility_impaired"]
    assert scenario.eligible(scenario.corridors[1]) == ["mobility_impaired"]
    assert scenario.population.sources[0].resolved_format == "geojson"
    assert scenario.source_path == (tmp_path / "scenario.toml").resolve()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "throughput_pph = 2500",
            "throughput_pph = -5",
            "corridors[0] (C1).throughput_pph: Input should be greater than 0",
        ),
        (
            '[["07:00", "12:00"], ["13:00", "17:00"]]',
            '[["07:00", "12:00"], ["11:00", "17:00"]]',
            "corridors[0] (C1).windows: windows 07:00-12:00 and 11:00-17:00 overlap",
        ),
        (
            '[["07:00", "12:00"], ["13:00", "17:00"]]',
            '[["22:00", "02:00"]]',
            "ends before it starts; split a window that crosses midnight",
        ),
        (
            'timezone = "Asia/Amman"',
            'timezone = "Asia/Atlantis"',
            "timezone: time zone 'Asia/Atlantis' does not exist",
        ),
        ("share = 0.1", "share = 0.2", "group shares must add up to 1, they add up to 1.1"),
        (
            'eligible_groups = ["mobility_impaired"]',
            'eligible_groups = ["wounded"]',
            "corridor C2: eligible group(s) wounded not defined",
        ),
        ('unit = "t"', 'unit = "l"', "cereal cannot be counted in l; use kg, t"),
        ('commodity = "cereal"', 'commodity = "gold"', "unknown commodity 'gold'"),
        ("quantity = 2160", "quantity = -1", "stocks[0].quantity: Input should be greater"),
        (
            'name = "North gate"',
            'name = "North gate"\nthroughput = 5',
            "corridors[0] (C1).throughput: unknown field",
        ),
        ('warehouse = "W1"', 'warehouse = "W9"', "warehouse 'W9' is not defined"),
        (
            "params = { shape = 1.5, scale_min = 240 }",
            "params = { shape = 1.5 }",
            "distribution weibull needs params ['scale_min', 'shape']",
        ),
        ("lat = 34.01", "lat = 134.01", "corridors[0] (C1).lat: Input should be less than"),
        (
            "start = 2026-12-01T06:00:00",
            "start = 2026-12-01T06:00:00+05:00",
            "has offset 5:00:00 but Asia/Amman is at 3:00:00",
        ),
        ('effect = "slow"', 'effect = "close"', "speed_factor applies only to effect"),
        (
            'eligible_groups = ["mobility_impaired"]',
            "eligible_groups = []",
            "corridors[1] (C2).eligible_groups: an empty list is not allowed; leave "
            "eligible_groups out to open the corridor to every group",
        ),
        (
            "polygon = [[30.0, 34.0], [30.01, 34.0], [30.01, 34.01]]",
            "polygon = [[30.0, 34.0], [330000.0, 3763000.0], [30.01, 34.01]]",
            "hazards[0] (H1).polygon[1][0]: Input should be less than or equal to 180",
        ),
        (
            "polygon = [[30.0, 34.0], [30.01, 34.0], [30.01, 34.01]]",
            "polygon = [[30.0, 34.0], [30.01, 94.0], [30.01, 34.01]]",
            "hazards[0] (H1).polygon[1][1]: Input should be less than or equal to 90",
        ),
        (
            'timezone = "Asia/Amman"\nstart = 2026-12-01T06:00:00',
            'timezone = "Europe/Monaco"\nstart = 2024-03-31T02:30:00',
            "start: 2024-03-31T02:30:00 does not exist in Europe/Monaco: clocks jump forward; "
            "pick a time outside the gap",
        ),
    ],
)
def test_bad_fields_name_their_path(tmp_path, old, new, expected):
    assert old in VALID
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, VALID.replace(old, new, 1)))
    message = str(info.value)
    assert expected in message
    assert message.startswith(str(tmp_path / "scenario.toml"))
    assert "\n" not in message


def test_toml_syntax_error_gives_the_line(tmp_path):
    broken = VALID.replace('id = "C2"', 'id = "C2', 1)
    line = broken.splitlines().index('id = "C2') + 1
    with pytest.raises(ScenarioError, match=rf"TOML syntax error: .*line {line}"):
        load_scenario(write(tmp_path, broken))


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="scenario file not found"):
        load_scenario(tmp_path / "nope.toml")


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)


def test_missing_required_field(tmp_path):
    with pytest.raises(ScenarioError, match="network: required field is missing"):
        load_scenario(write(tmp_path, VALID.replace('[network]\nosm = "city.osm.pbf"\n', "")))


def test_windows_daily_and_intervals_together_are_refused(tmp_path):
    text = VALID.replace(
        "windows.intervals = [[2026-12-01T08:00:00, 2026-12-01T12:00:00]]",
        "windows.intervals = [[2026-12-01T08:00:00, 2026-12-01T12:00:00]]\n"
        'windows.daily = [["07:00", "08:00"]]',
    )
    with pytest.raises(ScenarioError, match="daily windows or explicit intervals, not both"):
        load_scenario(write(tmp_path, text))


def test_misspelt_field_is_named(tmp_path):
    with pytest.raises(ScenarioError, match=r"netwrk: unknown field"):
        load_scenario(write(tmp_path, VALID.replace("[network]", "[netwrk]", 1)))


def test_bad_time_gets_a_hint(tmp_path):
    text = VALID.replace('["13:00", "17:00"]', '["13:00", "5pm"]', 1)
    with pytest.raises(ScenarioError, match=r"'5pm' is not a time; write HH:MM"):
        load_scenario(write(tmp_path, text))


def test_source_path_cannot_be_set_from_the_file(tmp_path):
    with pytest.raises(ScenarioError, match="source_path: unknown field"):
        load_scenario(write(tmp_path, 'source_path = "/etc"\n' + VALID))


def test_service_needs_both_coordinates(tmp_path):
    text = VALID.replace('name = "North gate medical post"', 'name = "Post"\nlat = 34.0', 1)
    with pytest.raises(ScenarioError, match="give both lat and lon, or neither"):
        load_scenario(write(tmp_path, text))


def test_start_just_after_the_dst_gap_and_in_the_repeated_hour_are_fine(tmp_path):
    after = VALID.replace('"Asia/Amman"', '"Europe/Monaco"').replace(
        "start = 2026-12-01T06:00:00", "start = 2024-03-31T03:00:00"
    )
    assert load_scenario(write(tmp_path, after)).start_local.utcoffset().total_seconds() == 7200
    repeated = after.replace("2024-03-31T03:00:00", "2024-10-27T02:30:00")
    assert load_scenario(write(tmp_path, repeated)).start.hour == 2


def test_no_eligible_groups_means_every_group(tmp_path):
    scenario = load_scenario(write(tmp_path, VALID))
    assert scenario.corridors[0].eligible_groups is None
    assert scenario.eligible(scenario.corridors[0]) == ["general", "mobility_impaired"]


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "scenario.toml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode("utf-8"))
    assert load_scenario(path).name == "Test city"


def test_text_that_is_not_utf8_names_the_byte(tmp_path):
    path = tmp_path / "scenario.toml"
    path.write_bytes(VALID.encode("utf-8").replace(b"Test city", b"Test \xe9city"))
    with pytest.raises(ScenarioError, match=r"byte \d+ is not UTF-8 text; save the scenario as"):
        load_scenario(path)


def test_a_folder_as_population_path_says_so(tmp_path):
    (tmp_path / "census").mkdir()
    text = VALID.replace('path = "districts.geojson"', 'path = "census"')
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text))
    message = str(info.value)
    assert f"population.sources[0].path: {tmp_path / 'census'} is a directory" in message
    assert "unknown population format" not in message


def test_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, VALID)
    monkeypatch.setattr(
        "pathlib.Path.read_text",
        lambda *_a, **_k: (_ for _ in ()).throw(PermissionError(13, "Permission denied")),
    )
    with pytest.raises(ScenarioError, match=r"cannot read the scenario file \(permission denied\)"):
        load_scenario(path)
