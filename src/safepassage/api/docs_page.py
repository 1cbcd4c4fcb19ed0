"""A local API reference page at ``/docs``: plain HTML made from the OpenAPI schema.

FastAPI's Swagger UI loads its JavaScript and CSS from a CDN, which a field laptop may not
reach, and no swagger-ui package is among safepassage's dependencies; so ``/docs`` is this
page (no scripts) and the full schema is at ``/openapi.json`` for any OpenAPI tool.
"""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["render_docs"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
    "code{background:#eee;padding:0 .2rem}td,th{text-align:left;padding:.2rem .6rem}"
    ".m{font-weight:bold;font-family:monospace}"
)


def render_docs(schema: dict[str, Any]) -> str:
    """The HTML page: title, how to authenticate, and one table row per operation."""
    info = schema.get("info", {})
    rows = []
    for path, methods in sorted(schema.get("paths", {}).items()):
        for method, spec in methods.items():
            rows.append(
                f"<tr><td class=m>{escape(method.upper())}</td><td><code>{escape(path)}</code>"
                f"</td><td>{escape(spec.get('summary', ''))}</td></tr>"
            )
    return (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<title>{escape(info.get('title', 'API'))}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(info.get('title', 'API'))} {escape(info.get('version', ''))}</h1>"
        f"<p>{escape(info.get('description', ''))}</p>"
        "<p>Send <code>Authorization: Bearer TOKEN</code> with every request. The full schema "
        "is at <a href=/openapi.json><code>/openapi.json</code></a>.</p>"
        "<table><tr><th>method</th><th>path</th><th>what</th></tr>"
        + "".join(rows)
        + "</table></body></html>"
    )
