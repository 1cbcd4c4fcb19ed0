"""The sitrep's charts as inline SVG drawn by matplotlib (Agg; nothing to fetch).

Text stays text (``svg.fonttype = "none"``) and takes the page's fonts, so Chromium shapes
Arabic labels and lays them out right to left; matplotlib's own renderer does neither. A count
the report hides (``"<5"``, ``"x"``) is not drawn: its bar is left out and the label says why.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Bar", "bars_svg", "cumulative_svg"]

_RECORDED, _PLANNED = "#1f4e9c", "#b9c2cc"
_FONT = re.compile(r"font-family:[^;\"]*")


@dataclass(frozen=True)
class Bar:
    """One window: its label, the planned value, the recorded value or the text hiding it."""

    label: str
    planned: float
    recorded: float | None
    hidden: str | None = None


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.size": 8,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "safepassage",
        }
    )
    return plt


def _svg(fig: Any) -> str:
    """The figure as an SVG element for inline use: no prolog, no metadata, page fonts."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = _FONT.sub("font-family: inherit", text)
    return text.replace("<svg ", '<svg class="chart" role="img" ', 1)


def _thousands(value: float, _position: int) -> str:
    return f"{value:,.0f}"


def bars_svg(
    bars: Sequence[Bar], *, title: str, recorded_label: str, planned_label: str, axis_label: str
) -> str:
    """Grouped bars per window: planned (grey) and recorded (blue), hidden counts labelled."""
    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter

    fig, ax = plt.subplots(figsize=(4.6, 2.5))
    try:
        xs = list(range(len(bars)))
        ax.bar(
            [x - 0.2 for x in xs],
            [b.planned for b in bars],
            0.4,
            color=_PLANNED,
            label=planned_label,
        )
        shown = [(x, b.recorded) for x, b in zip(xs, bars, strict=True) if b.recorded is not None]
        ax.bar(
            [x + 0.2 for x, _ in shown],
            [v for _, v in shown],
            0.4,
            color=_RECORDED,
            label=recorded_label,
        )
        top = max([b.planned for b in bars] + [v or 0.0 for _, v in shown] + [1.0])
        for x, b in zip(xs, bars, strict=True):
            if b.hidden is not None:
                ax.text(x + 0.2, top * 0.02, b.hidden, ha="center", va="bottom", fontsize=8)
        ax.set_ylim(0, top * 1.08)
        ax.set_xticks(xs, [b.label for b in bars], fontsize=7)
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.set_ylabel(axis_label)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, frameon=False)
        fig.tight_layout()
        return _svg(fig)
    finally:
        plt.close(fig)


def cumulative_svg(
    points: Sequence[tuple[dt.datetime, float | None, float]],
    *,
    title: str,
    recorded_label: str,
    planned_label: str,
    axis_label: str,
    timezone: dt.tzinfo,
) -> str:
    """Recorded and planned people crossed since the start, over time (local dates)."""
    plt = _pyplot()
    import matplotlib.dates as mdates
    from matplotlib.ticker import FuncFormatter

    fig, ax = plt.subplots(figsize=(4.6, 2.5))
    try:
        times = [t.astimezone(timezone) for t, _, _ in points]
        ax.plot(
            times, [p for _, _, p in points], color="#7a8594", linestyle="--", label=planned_label
        )
        recorded = [(t, r) for t, (_, r, _) in zip(times, points, strict=True) if r is not None]
        ax.plot(
            [t for t, _ in recorded],
            [r for _, r in recorded],
            color=_RECORDED,
            linewidth=1.8,
            label=recorded_label,
        )
        locator = mdates.AutoDateLocator(tz=timezone, minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=timezone))
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.tick_params(axis="x", labelsize=7)
        ax.set_ylabel(axis_label)
        top = max([p for _, _, p in points] + [r for _, r in recorded] + [1.0])
        ax.set_ylim(0, top * 1.08)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, frameon=False)
        fig.tight_layout()
        return _svg(fig)
    finally:
        plt.close(fig)
