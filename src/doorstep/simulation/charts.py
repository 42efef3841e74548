"""Small self-contained SVG charts (lines and bars) for the peak report — no scripts, no CDN.

Each chart is one ``<svg>`` string with a title, axes with a few labelled ticks and a
legend, so it reads on its own in a browser, an HTML report or a CI artifact.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from html import escape

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf")
W, H = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 60, 150, 36, 44


def _ticks(top: float, n: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (steps of 1, 2, 2.5 or 5 × 10^k)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def _fmt(v: float) -> str:
    return f"{v:.0f}" if v >= 10 or v == int(v) else f"{v:.2f}".rstrip("0").rstrip(".")


def line_chart(title: str, x_labels: Sequence[str], series: Mapping[str, Sequence[float]], *,
               y_label: str = "", y_max: float | None = None) -> str:
    """Lines over a shared x axis (``x_labels`` has one label per point; some are shown)."""
    n = max((len(v) for v in series.values()), default=0)
    top = y_max if y_max is not None else max((max(v, default=0) for v in series.values()),
                                              default=0)
    ticks = _ticks(float(top) or 1.0)
    top = max(ticks[-1], 1e-9)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(i: float) -> float:
        return LEFT + (pw * i / max(n - 1, 1))

    def y(v: float) -> float:
        return TOP + ph - ph * min(v, top) / top

    out = [_head(title), *_grid(ticks, y, pw)]
    every = max(1, n // 8)
    for i in range(0, n, every):
        if i < len(x_labels):
            out.append(f'<text x="{x(i):.1f}" y="{TOP + ph + 16}" text-anchor="middle">'
                       f'{escape(x_labels[i])}</text>')
    for k, (name, values) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(float(v)):.1f}" for i, v in enumerate(values))
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" '
                   f'points="{points}"><title>{escape(name)}</title></polyline>')
        out.append(_legend(k, name, colour))
    out.append(_axes(pw, ph, y_label))
    out.append("</svg>")
    return "\n".join(out)


def _grid(ticks: Sequence[float], y: Callable[[float], float], pw: float) -> list[str]:
    """A labelled horizontal grid line per tick of the value axis."""
    return [f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
            f'stroke="#ddd"/><text x="{LEFT - 6}" y="{y(t) + 4:.1f}" '
            f'text-anchor="end">{_fmt(t)}</text>' for t in ticks]


def bar_chart(title: str, labels: Sequence[str], series: Mapping[str, Sequence[float]], *,
              y_label: str = "") -> str:
    """Grouped bars, one group per label."""
    n = len(labels)
    top = max((max(v, default=0) for v in series.values()), default=0)
    ticks = _ticks(float(top) or 1.0)
    top = max(ticks[-1], 1e-9)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    group = pw / max(n, 1)
    width = group * 0.8 / max(len(series), 1)

    def y(v: float) -> float:
        return TOP + ph - ph * min(v, top) / top

    out = [_head(title), *_grid(ticks, y, pw)]
    every = max(1, n // 10)
    for k, (name, values) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        for i, v in enumerate(values):
            left = LEFT + group * i + group * 0.1 + width * k
            out.append(f'<rect x="{left:.1f}" y="{y(float(v)):.1f}" width="{width:.1f}" '
                       f'height="{TOP + ph - y(float(v)):.1f}" fill="{colour}">'
                       f'<title>{escape(labels[i])}: {_fmt(float(v))} {escape(name)}</title>'
                       f'</rect>')
        out.append(_legend(k, name, colour))
    for i in range(0, n, every):
        out.append(f'<text x="{LEFT + group * (i + 0.5):.1f}" y="{TOP + ph + 16}" '
                   f'text-anchor="middle">{escape(labels[i])}</text>')
    out.append(_axes(pw, ph, y_label))
    out.append("</svg>")
    return "\n".join(out)


def _head(title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
            f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11" role="img" '
            f'aria-label="{escape(title)}"><rect width="{W}" height="{H}" fill="white"/>'
            f'<text x="{LEFT}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>')


def _legend(k: int, name: str, colour: str) -> str:
    ly = TOP + 8 + 18 * k
    lx = W - RIGHT + 12
    return (f'<rect x="{lx}" y="{ly - 8}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 18}" y="{ly + 2}">{escape(name)}</text>')


def _axes(pw: float, ph: float, y_label: str) -> str:
    return (f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + ph}" stroke="#333"/>'
            f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{TOP + ph}" y2="{TOP + ph}" stroke="#333"/>'
            f'<text x="14" y="{TOP + ph / 2}" transform="rotate(-90 14 {TOP + ph / 2})" '
            f'text-anchor="middle">{escape(y_label)}</text>')
