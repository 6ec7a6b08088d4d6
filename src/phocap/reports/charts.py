"""Charts drawn by the app itself as SVG (no JavaScript, no CDN): they print as they look, and carry a <title>
and a text table beside them for screen readers.

Each chart is drawn twice: wide (labels beside the bars, 640 units across) and narrow (360 units, the width of a
phone: each label on its own line above its bar, whole). CSS shows one of them (`.chart.wide` / `.chart.narrow`),
so on a 390 px screen the text is drawn near its real size instead of a 640-unit drawing shrunk to half.

Written here rather than with a plotting library: the four chart shapes needed (bars with a target mark, a
funnel, two cumulative lines, plain bars) are a few dozen lines each, and a library (matplotlib, plotly) would
add tens of megabytes or client-side JavaScript for no better result."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
NARROW = 360
LABEL_W = 170
ROW_H = 30
NARROW_ROW_H = 42


def _svg(width: int, height: int, title: str, body: list[str], kind: str) -> str:
    return (
        f'<svg class="chart {kind}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def _both(wide: str, narrow: str) -> SafeString:
    return mark_safe(wide + narrow)  # noqa: S308 - every text inside went through escape()


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + " %"


def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@dataclasses.dataclass(frozen=True)
class _Row:
    label: str
    share: float  # of the bar's full length, 0–1
    value: str
    css: str = ""
    target: float | None = None  # where the target mark goes, 0–1
    tip: str = ""


def _narrow_rows(title: str, rows: Sequence[_Row], axis: bool = False) -> str:
    """A phone's layout: the whole label on a line, the bar under it, the value after the bar's end."""
    span = NARROW - 64
    body = []
    for i, r in enumerate(rows):
        y = 4 + i * NARROW_ROW_H
        width = span * min(max(r.share, 0), 1)
        body.append(f'<text x="0" y="{y + 13}">{escape(r.label[:48])}</text>')
        tip = f"<title>{escape(r.tip)}</title>" if r.tip else ""
        body.append(
            f'<rect class="bar{r.css}" x="0" y="{y + 19}" width="{max(width, 1):.1f}" height="16" rx="2">{tip}</rect>'
        )
        if r.target is not None:
            tx = span * min(r.target, 1)
            body.append(f'<line class="target" x1="{tx:.1f}" y1="{y + 16}" x2="{tx:.1f}" y2="{y + 38}"/>')
        body.append(f'<text x="{span + 6}" y="{y + 32}">{escape(r.value)}</text>')
    height = len(rows) * NARROW_ROW_H + 6
    if axis:
        for x, anchor in ((0, "start"), (50, "middle"), (100, "end")):
            body.append(f'<text x="{span * x / 100:.1f}" y="{height + 12}" text-anchor="{anchor}">{x}%</text>')
        height += 16
    return _svg(NARROW, height, title, body, "narrow")


def progress_bars(title: str, rows: Sequence[tuple[str, float | None, float]]) -> SafeString:
    """One bar per (label, percent, target): the bar to its percent (0–100), a dashed red mark at the target."""
    span = WIDTH - LABEL_W - 70
    body = []
    for x in (0, 25, 50, 75, 100):
        gx = LABEL_W + span * x / 100
        body.append(f'<line class="grid" x1="{gx:.1f}" y1="4" x2="{gx:.1f}" y2="{len(rows) * ROW_H + 4}"/>')
        body.append(f'<text x="{gx:.1f}" y="{len(rows) * ROW_H + 18}" text-anchor="middle">{x}%</text>')
    narrow = []
    for i, (label, percent, target) in enumerate(rows):
        y = 8 + i * ROW_H
        width = span * min(max(percent or 0, 0), 100) / 100
        done = " done" if percent is not None and percent >= target else ""
        tx = LABEL_W + span * min(target, 100) / 100
        body.append(f'<text x="{LABEL_W - 8}" y="{y + 15}" text-anchor="end">{escape(label[:26])}</text>')
        body.append(
            f'<rect class="bar{done}" x="{LABEL_W}" y="{y}" width="{width:.1f}" height="20" '
            f'rx="2"><title>{escape(label)}: {_pct(percent)}</title></rect>'
        )
        body.append(f'<line class="target" x1="{tx:.1f}" y1="{y - 3}" x2="{tx:.1f}" y2="{y + 23}"/>')
        body.append(f'<text x="{LABEL_W + span + 6}" y="{y + 15}">{_pct(percent)}</text>')
        narrow.append(_Row(label, (percent or 0) / 100, _pct(percent), done, target / 100, f"{label}: {_pct(percent)}"))
    wide = _svg(WIDTH, len(rows) * ROW_H + 26, title, body, "wide")
    return _both(wide, _narrow_rows(title, narrow, axis=True))


def funnel(title: str, steps: Sequence[tuple[str, int]]) -> SafeString:
    """Centred bars narrowing from the first step (handed over) to the last (cashless payment)."""
    top = max((n for _, n in steps), default=0) or 1
    span = WIDTH - LABEL_W - 90
    body = []
    narrow = []
    for i, (label, n) in enumerate(steps):
        y = 6 + i * 36
        width = max(span * n / top, 2)
        x = LABEL_W + (span - width) / 2
        share = f" ({_pct(100 * n / top)})" if i else ""
        body.append(f'<text x="{LABEL_W - 8}" y="{y + 18}" text-anchor="end">{escape(label[:26])}</text>')
        body.append(f'<rect class="bar" x="{x:.1f}" y="{y}" width="{width:.1f}" height="26" rx="3"/>')
        body.append(f'<text x="{LABEL_W + span + 6}" y="{y + 18}">{_count(n)}{share}</text>')
        narrow.append(_Row(label + share, n / top, _count(n)))
    wide = _svg(WIDTH, len(steps) * 36 + 8, title, body, "wide")
    return _both(wide, _narrow_rows(title, narrow))


def _line(width: int, title: str, points: Sequence[tuple[dt.date, int]], css: str, unit: str, kind: str) -> str:
    height, left, bottom, right = 190, 56 if kind == "narrow" else 70, 160, width - 20
    body = [f'<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>']
    if not points:
        body.append(f'<text x="{width / 2}" y="{bottom / 2}" text-anchor="middle">—</text>')
        return _svg(width, height, title, body, kind)
    first, last = points[0][0], points[-1][0]
    days = max((last - first).days, 1)
    top = max(v for _, v in points) or 1

    def xy(day: dt.date, value: int) -> tuple[float, float]:
        return left + (right - left) * (day - first).days / days, bottom - (bottom - 20) * value / top

    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(xy(d, v) for d, v in points))
    body.append(f'<path class="line {escape(css)}" d="{path}"/>')
    for frac in (0.5, 1):
        y = bottom - (bottom - 20) * frac
        body.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_short(top * frac)}</text>')
    body.append(f'<text x="{left}" y="{bottom + 18}">{first:%d/%m/%Y}</text>')
    body.append(f'<text x="{right}" y="{bottom + 18}" text-anchor="end">{last:%d/%m/%Y}</text>')
    lx, ly = xy(*points[-1])
    body.append(
        f'<text x="{min(lx, right - 4):.1f}" y="{max(ly - 8, 14):.1f}" text-anchor="end">'
        f"{_count(points[-1][1])} {escape(unit)}</text>"
    )
    return _svg(width, height, title, body, kind)


def cumulative(title: str, points: Sequence[tuple[dt.date, int]], css: str, unit: str) -> SafeString:
    """A running total over time (money received, phones handed over) as a line, with its last value."""
    return _both(_line(WIDTH, title, points, css, unit, "wide"), _line(NARROW, title, points, css, unit, "narrow"))


def _short(value: float) -> str:
    if value >= 1e9:
        return f"{value / 1e9:.1f} tỷ".replace(".", ",")
    if value >= 1e6:
        return f"{value / 1e6:.0f} tr"
    return f"{value:,.0f}".replace(",", ".")


def count_bars(title: str, rows: Sequence[tuple[str, int]]) -> SafeString:
    """Plain bars of counts (overdue follow-ups per commune)."""
    top = max((n for _, n in rows), default=0) or 1
    span = WIDTH - LABEL_W - 60
    body = []
    for i, (label, n) in enumerate(rows):
        y = 8 + i * ROW_H
        body.append(f'<text x="{LABEL_W - 8}" y="{y + 15}" text-anchor="end">{escape(label[:26])}</text>')
        body.append(f'<rect class="bar late" x="{LABEL_W}" y="{y}" width="{span * n / top:.1f}" height="20" rx="2"/>')
        body.append(f'<text x="{LABEL_W + span * n / top + 6:.1f}" y="{y + 15}">{n}</text>')
    wide = _svg(WIDTH, len(rows) * ROW_H + 10, title, body, "wide")
    return _both(wide, _narrow_rows(title, [_Row(label, n / top, str(n), " late") for label, n in rows]))
