"""A reliability diagram as a hand-written SVG (no plotting dependency).

x: the nominal level asked for; y: the share of orders delivered by the promised date.
A calibrated method lies on the diagonal; below it promises are broken more often than
claimed, above it they are longer than they need to be.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")


def reliability_svg(
    series: Mapping[str, Sequence[tuple[float, float]]],
    *,
    title: str = "Calibration: promised level vs. observed on-time rate",
    lo: float = 0.4,
    width: int = 640,
    height: int = 480,
) -> str:
    left, right, top, bottom = 60, 190, 40, 50
    pw, ph = width - left - right, height - top - bottom

    def x(v: float) -> float:
        return left + (v - lo) / (1 - lo) * pw

    def y(v: float) -> float:
        return top + ph - (max(v, lo) - lo) / (1 - lo) * ph

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>',
    ]
    ticks = [lo + i * (1 - lo) / 6 for i in range(7)]
    for t in ticks:
        parts.append(f'<line x1="{x(t):.1f}" y1="{top}" x2="{x(t):.1f}" y2="{top + ph}" '
                     'stroke="#eee"/>')
        parts.append(f'<line x1="{left}" y1="{y(t):.1f}" x2="{left + pw}" y2="{y(t):.1f}" '
                     'stroke="#eee"/>')
        parts.append(f'<text x="{x(t):.1f}" y="{top + ph + 18}" text-anchor="middle">'
                     f'{t:.0%}</text>')
        parts.append(f'<text x="{left - 8}" y="{y(t) + 4:.1f}" text-anchor="end">{t:.0%}</text>')
    parts.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" '
                 'stroke="#333"/>')
    parts.append(f'<line x1="{x(lo):.1f}" y1="{y(lo):.1f}" x2="{x(1):.1f}" y2="{y(1):.1f}" '
                 'stroke="#999" stroke-dasharray="4 4"/>')
    parts.append(f'<text x="{left + pw / 2}" y="{height - 12}" text-anchor="middle">'
                 'nominal level</text>')
    parts.append(f'<text x="16" y="{top + ph / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 16 {top + ph / 2})">observed on-time rate</text>')
    for i, (name, points) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        pts = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in points)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" '
                     'stroke-width="2"/>')
        for a, b in points:
            parts.append(f'<circle cx="{x(a):.1f}" cy="{y(b):.1f}" r="3" fill="{colour}">'
                         f'<title>{escape(name)}: {a:.0%} → {b:.1%}</title></circle>')
        ly = top + 10 + i * 18
        parts.append(f'<line x1="{left + pw + 12}" y1="{ly}" x2="{left + pw + 32}" y2="{ly}" '
                     f'stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<text x="{left + pw + 38}" y="{ly + 4}">{escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_reliability_svg(path: Path, series: Mapping[str, Sequence[tuple[float, float]]]) -> None:
    Path(path).write_text(reliability_svg(series), encoding="utf-8")
