"""The Jinja2 templates shipped in ``safepassage/reports/templates`` (package data)."""

from __future__ import annotations

import functools
from typing import Any

import jinja2

__all__ = ["render_template"]


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("safepassage.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,  # a missing value is a bug, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_template(name: str, **context: Any) -> str:
    """Render the template ``name`` (e.g. ``"leaflet.html.j2"``) with ``context``."""
    return _environment().get_template(name).render(**context)
