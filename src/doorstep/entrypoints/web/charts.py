"""Charts drawn on the server as SVG geometry: no chart library, no script, no colour code.

Every bar carries its number as text and its label beside it, and a target is a dashed line
with its own label, so a chart reads the same in greyscale, to a screen reader (the
template gives each chart a ``<title>`` and ``<desc>`` and a table of the same figures), and
without JavaScript.  The template (``ops/charts.html``) draws what these functions measure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    target_x: float | None = None
    target_y: float | None = None
    target_text: str = ""


LABEL_W = 130
ROW_H = 26
BAR_H = 18


def bars(items: Sequence[tuple[str, float, str]], *, width: int = 420,
         scale_max: float | None = None, target: tuple[float, str] | None = None) -> Chart:
    """Horizontal bars: ``(label, value, value as text)`` per row, longest = full width."""
    room = width - LABEL_W - 70
    top = max([v for _, v, _ in items] + ([target[0]] if target else []) + [scale_max or 0, 1e-9])
    full = scale_max or top
    out = []
    for i, (label, value, text) in enumerate(items):
        out.append(Bar(label=label, value=value, text=text, x=LABEL_W, y=i * ROW_H + 4,
                       width=max(room * value / full, 1.0 if value > 0 else 0.0),
                       height=BAR_H))
    height = max(len(items), 1) * ROW_H + (18 if target else 4)
    if target is None:
        return Chart(width=width, height=height, bars=tuple(out))
    return Chart(width=width, height=height, bars=tuple(out),
                 target_x=LABEL_W + room * target[0] / full, target_text=target[1])


def columns(items: Sequence[tuple[str, float, str]], *, width: int = 480,
            height: int = 140, every: int = 4) -> tuple[Chart, tuple[tuple[float, str], ...]]:
    """Vertical columns (a day's hours); axis labels under every ``every``-th column."""
    n = max(len(items), 1)
    step = width / n
    plot = height - 20
    top = max([v for _, v, _ in items] + [1e-9])
    out = []
    ticks = []
    for i, (label, value, text) in enumerate(items):
        h = plot * value / top if top else 0.0
        out.append(Bar(label=label, value=value, text=text, x=i * step + 1,
                       y=plot - h, width=max(step - 2, 1.0), height=h))
        if i % every == 0:
            ticks.append((i * step + step / 2, label))
    return Chart(width=width, height=height, bars=tuple(out)), tuple(ticks)
