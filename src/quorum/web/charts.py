"""Inline SVG charts rendered on the server, so trends read without JavaScript.

Every label that comes from data is escaped here; the templates insert the returned Markup.
Each point carries a <title> (a native tooltip) and data attributes that the optional
``static/chart.js`` uses for richer hover read-outs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from markupsafe import Markup, escape

# The legend swatches use classes .c0-.c7 of site.css (no inline styles: the CSP forbids
# them), which must list the same colours: eight colours distinguishable under common
# colour-vision deficiencies (Okabe-Ito order).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
WIDTH, HEIGHT = 640, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 12, 12, 36


def _label(d: Any) -> str:
    return d.strftime("%d %b") if isinstance(d, date) else str(d)


def _frame(title: str, y_min: float, y_max: float, labels: Sequence[Any]) -> list[str]:
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    for i in range(5):  # five gridlines: enough to read a value, few enough to stay quiet
        v = y_min + (y_max - y_min) * i / 4
        y = PAD_TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line class="grid" x1="{PAD_LEFT}" y1="{y:.1f}" x2="{WIDTH - PAD_RIGHT}"'
            f' y2="{y:.1f}"/><text class="tick" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{v:g}</text>'
        )
    step = max(1, len(labels) // 6)  # at most ~6 dates on the axis so they do not collide
    for i, lab in enumerate(labels):
        if i % step == 0:
            parts.append(
                f'<text class="tick" x="{_x(i, len(labels)):.1f}" y="{HEIGHT - 14}" '
                f'text-anchor="middle">{escape(_label(lab))}</text>'
            )
    return parts


def _x(i: int, n: int) -> float:
    span = WIDTH - PAD_LEFT - PAD_RIGHT
    return PAD_LEFT + (span * i / (n - 1) if n > 1 else span / 2)


def _y(v: float, y_min: float, y_max: float) -> float:
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    frac = (v - y_min) / (y_max - y_min) if y_max > y_min else 0.5
    return PAD_TOP + plot_h - plot_h * frac


def line_chart(
    title: str,
    labels: Sequence[Any],
    series: Sequence[dict[str, Any]],
    y_min: float | None = None,
    y_max: float | None = None,
) -> Markup:
    """One line per series ``{"name", "values"}`` (or ``"counts"``); ``None`` leaves a gap."""
    series = [
        {"name": s["name"], "values": s["values"] if "values" in s else s["counts"]} for s in series
    ]
    values = [v for s in series for v in s["values"] if v is not None]
    if not labels or not values:
        return Markup("")
    lo = min(values) if y_min is None else y_min
    hi = max(values) if y_max is None else y_max
    if all(float(v).is_integer() for v in values) and y_max is None:
        hi = lo + max(4, math.ceil((hi - lo) / 4) * 4)  # counts: whole-number gridlines
    if hi == lo:
        hi = lo + 1
    parts = _frame(title, lo, hi, labels)
    for k, s in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        name = escape(s["name"])
        runs: list[list[str]] = [[]]
        dots = []
        for i, v in enumerate(s["values"]):
            if v is None:
                runs.append([])
                continue
            x, y = _x(i, len(labels)), _y(v, lo, hi)
            runs[-1].append(f"{x:.1f},{y:.1f}")
            dots.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}" '
                f'data-series="{name}" data-label="{escape(_label(labels[i]))}" '
                f'data-value="{v:g}"><title>{name}, {escape(_label(labels[i]))}: '
                f"{v:g}</title></circle>"
            )
        parts.append(f'<g class="series" data-series="{name}">')
        parts.extend(
            f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(run)}"/>'
            for run in runs
            if len(run) > 1
        )
        parts.extend(dots)
        parts.append("</g>")
    parts.append("</svg>")
    legend = "".join(
        f'<li><span class="swatch c{k % len(PALETTE)}"></span>{escape(s["name"])}</li>'
        for k, s in enumerate(series)
    )
    return Markup("".join(parts) + f'<ul class="legend">{legend}</ul>')


def bar_chart(title: str, labels: Sequence[Any], values: Sequence[float | None]) -> Markup:
    """Vertical bars, one per label (missing values drawn as zero)."""
    vals = [v or 0 for v in values]
    if not labels or not any(vals):
        return Markup("")
    hi = max(vals)
    if all(float(v).is_integer() for v in vals):
        hi = max(4, math.ceil(hi / 4) * 4)  # counts: whole-number gridlines
    parts = _frame(title, 0, hi, labels)
    n = len(labels)
    bar_w = max(2.0, (WIDTH - PAD_LEFT - PAD_RIGHT) / max(n, 1) * 0.6)
    for i, v in enumerate(vals):
        x, y = _x(i, n) - bar_w / 2, _y(v, 0, hi)
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
            f'height="{HEIGHT - PAD_BOTTOM - y:.1f}" fill="{PALETTE[0]}" '
            f'data-series="{escape(title)}" data-label="{escape(_label(labels[i]))}" '
            f'data-value="{v:g}"><title>{escape(_label(labels[i]))}: {v:g}</title>'
            "</rect>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
