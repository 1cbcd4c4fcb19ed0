"""The page, its script and style, and plotly.js: all read from installed packages, never a CDN.

plotly.js comes from the PyPI ``plotly`` package (``plotly/package_data/plotly.min.js``), the
same file ``safepassage map`` inlines. Each asset is read once per process, gzipped once, and
served under a URL carrying its hash, so a browser keeps it until safepassage is upgraded.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from dataclasses import dataclass
from importlib import resources

import jinja2

from safepassage.dashboard.strings import LANGS, Lang, strings_for_page

__all__ = ["ASSET_TYPES", "CSP", "Asset", "asset", "index_html"]

ASSET_TYPES = {
    "plotly.min.js": "text/javascript; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}
# The browser itself refuses anything but this server: no CDN, tile or font service can be
# reached even by a mistake in a script. plotly.js sets inline styles, hence 'unsafe-inline'
# for styles only; scripts come from files of this server.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Asset:
    raw: bytes
    gzipped: bytes
    etag: str
    media_type: str


def _read(name: str) -> bytes:
    if name == "plotly.min.js":
        return resources.files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()
    return resources.files("safepassage.dashboard").joinpath("static", name).read_bytes()


@functools.cache
def asset(name: str) -> Asset:
    """The asset ``name`` (one of ``ASSET_TYPES``); raises KeyError for any other name."""
    media_type = ASSET_TYPES[name]
    raw = _read(name)
    return Asset(
        raw=raw,
        gzipped=gzip.compress(raw, compresslevel=6, mtime=0),
        etag=hashlib.sha256(raw).hexdigest()[:16],
        media_type=media_type,
    )


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("safepassage.dashboard", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )


def _script_json(value: object) -> str:
    """JSON safe inside ``<script type="application/json">``."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def index_html(lang: Lang = "en") -> str:
    """The page (no data in it: it asks for a token, then fetches what the token may see)."""
    assert lang in LANGS
    strings = strings_for_page()
    urls = {name: f"/dashboard/assets/{name}?v={asset(name).etag}" for name in ASSET_TYPES}
    return (
        _environment()
        .get_template("index.html.j2")
        .render(
            lang=lang,
            dir="rtl" if lang == "ar" else "ltr",
            s=strings[lang],
            strings_json=_script_json(strings),
            urls=urls,
        )
    )
