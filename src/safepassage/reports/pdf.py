"""Render HTML to PDF with Debian's chromium, driven by Playwright for Python.

No browser is ever downloaded (`playwright install` is never run): Playwright drives
``/usr/bin/chromium`` (Debian package ``chromium``). Chromium runs with background networking off
and every host name resolving to nothing, and each page refuses every request that is not inline
(``data:``/``about:``), so rendering cannot reach the network even by accident.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from safepassage.errors import SafepassageError
from safepassage.io.atomic import write_bytes_atomic

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright, Route

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "PdfRenderer", "launch_chromium"]

CHROMIUM = Path("/usr/bin/chromium")
# ../shared/reference/browser-and-pdf.md: the last flag stops chromium's own background lookups,
# which page.route cannot see.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
)
_INSTALL_HINT = (
    "install it with `apt-get install --no-install-recommends chromium fonts-noto-core "
    "poppler-utils` (never `playwright install`)"
)


def _check_chromium(executable: Path) -> None:
    if not executable.exists():
        msg = f"{executable}: chromium not found, needed to print PDFs; {_INSTALL_HINT}"
        raise SafepassageError(msg)


@contextmanager
def launch_chromium(executable: Path = CHROMIUM) -> Iterator[tuple[Playwright, Browser]]:
    """Start Playwright and a headless chromium with the offline flags; stop both on exit."""
    _check_chromium(executable)
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=str(executable), headless=True, args=list(CHROMIUM_ARGS)
            )
        except Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            msg = f"{executable}: chromium did not start ({first}); {_INSTALL_HINT}"
            raise SafepassageError(msg) from None
        try:
            yield playwright, browser
        finally:
            browser.close()


def _inline_only(route: Route) -> None:
    """Let through what the page itself holds; refuse everything else."""
    url = route.request.url
    if url.startswith(("data:", "about:")):
        route.continue_()
    else:
        route.abort()


class PdfRenderer:
    """One chromium for many PDFs: ``with PdfRenderer() as r: r.render(html, path)``."""

    def __init__(self, executable: Path = CHROMIUM) -> None:
        self._executable = executable
        self._context: Any = None
        self._browser: Browser | None = None

    def __enter__(self) -> PdfRenderer:
        self._context = launch_chromium(self._executable)
        _, self._browser = self._context.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._context.__exit__(kind, value, traceback)
        self._browser = None

    def pdf_bytes(self, html: str, *, page_format: str = "A5") -> bytes:
        """The PDF of ``html`` (a whole page with everything inline)."""
        if self._browser is None:
            raise RuntimeError("PdfRenderer.pdf_bytes outside its `with` block")
        page = self._browser.new_page()
        try:
            page.route("**/*", _inline_only)
            page.set_content(html, wait_until="load")
            page.emulate_media(media="print")
            page.evaluate("document.fonts.ready.then(() => true)")
            return page.pdf(format=page_format, print_background=True, prefer_css_page_size=True)
        finally:
            page.close()

    def render(self, html: str, out: Path, *, page_format: str = "A5") -> Path:
        """Write the PDF of ``html`` to ``out`` (whole or not at all)."""
        write_bytes_atomic(out, self.pdf_bytes(html, page_format=page_format))
        return out
