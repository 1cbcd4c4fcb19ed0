"""Read a scenario TOML file into a validated :class:`Scenario`.

Paths inside the file are relative to the file. Every error is one line naming the file and the
field path (``corridors[2] (C3).throughput_pph``) or the TOML line.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from safepassage.errors import ScenarioError
from safepassage.model.scenario import Scenario

__all__ = ["format_validation_error", "load_scenario", "scenario_from_dict"]

# fields that hold file paths, as (list key or None, nested key path)
_PATH_FIELDS: tuple[tuple[str, ...], ...] = (
    ("network", "osm"),
    ("network", "clip", "polygon"),
    ("population", "sources", "*", "path"),
    ("population", "sources", "*", "boundaries"),
    ("hazards", "*", "geojson"),
)


def _resolve(node: Any, keys: tuple[str, ...], base: Path) -> None:
    if not keys or node is None:
        return
    key, rest = keys[0], keys[1:]
    if key == "*":
        if isinstance(node, list):
            for item in node:
                _resolve(item, rest, base)
        return
    if not isinstance(node, dict) or key not in node:
        return
    if rest:
        _resolve(node[key], rest, base)
    elif isinstance(node[key], str):
        node[key] = str((base / Path(node[key]).expanduser()).resolve())


def _describe(loc: tuple[int | str, ...], raw: dict[str, Any]) -> str:
    parts: list[str] = []
    node: Any = raw
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node) and isinstance(node[item], dict):
                ident = node[item].get("id")
                if ident is not None:
                    label += f" ({ident})"
            parts.append(label)
        else:
            parts.append(f".{item}" if parts else str(item))
        try:
            node = node[item]
        except (KeyError, IndexError, TypeError):
            node = None
    return "".join(parts) or "scenario"


def format_validation_error(exc: ValidationError, raw: dict[str, Any], source: str) -> str:
    """One line for the first error of a pydantic validation, naming the field path."""
    errors = exc.errors()
    # an unknown key is usually a misspelt one: name it before the "missing" it causes
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    # validators on a whole model report a loc that ends at the model; strip pydantic's tags
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    where = _describe(loc, raw)
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown field; check its spelling against docs/scenario.md"
    elif first["type"] == "missing":
        message = "required field is missing"
    elif first["type"] == "string_pattern_mismatch" and "daily" in loc:
        message = f"{first['input']!r} is not a time; write HH:MM from 00:00 to 24:00"
    more = len(errors) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{source}: {where}: {message}{suffix}"


def _check_population_paths(raw: dict[str, Any], source: str) -> None:
    """A folder given as a population file: say so, before its empty suffix is taken for an
    unknown format."""
    population = raw.get("population")
    sources = population.get("sources") if isinstance(population, dict) else None
    for i, item in enumerate(sources if isinstance(sources, list) else []):
        path = item.get("path") if isinstance(item, dict) else None
        if isinstance(path, str) and Path(path).is_dir():
            msg = (
                f"{source}: population.sources[{i}].path: {path} is a directory; name the "
                "population file itself (a .csv, .geojson or .tif file)"
            )
            raise ScenarioError(msg)


def scenario_from_dict(raw: dict[str, Any], *, base: Path, source: str = "scenario") -> Scenario:
    """Validate a parsed scenario; relative paths are taken from ``base``."""
    for keys in _PATH_FIELDS:
        _resolve(raw, keys, base)
    _check_population_paths(raw, source)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, raw, source)) from None


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate the scenario TOML at ``path``.

    Raises
    ------
    ScenarioError
        The file is missing or unreadable, is not valid TOML (the message gives the line), or a
        field is wrong (the message gives its path and the fix).
    """
    path = Path(path)
    try:
        # utf-8-sig: Windows editors (Notepad) save UTF-8 with a byte-order mark, which TOML
        # would otherwise reject on line 1
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        msg = f"{path}: scenario file not found; give the path of a .toml scenario"
        raise ScenarioError(msg) from None
    except IsADirectoryError:
        msg = f"{path}: is a directory; give the path of a .toml scenario file"
        raise ScenarioError(msg) from None
    except PermissionError:
        msg = f"{path}: cannot read the scenario file (permission denied); check its permissions"
        raise ScenarioError(msg) from None
    except UnicodeDecodeError as exc:
        msg = f"{path}: byte {exc.start} is not UTF-8 text; save the scenario as UTF-8"
        raise ScenarioError(msg) from None
    except OSError as exc:
        msg = f"{path}: cannot read the scenario file ({exc.strerror or exc})"
        raise ScenarioError(msg) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: TOML syntax error: {exc}; fix the file at that line"
        raise ScenarioError(msg) from None
    scenario = scenario_from_dict(raw, base=path.resolve().parent, source=str(path))
    return scenario.with_source(path.resolve())
