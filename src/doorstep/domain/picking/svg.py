"""Draw a layout and a tour as a standalone SVG (front cross aisle at the bottom).

Racks are grey bars beside each aisle, the tour is a blue line with arrows, stops carry
their sequence number and the depot is a green square.  The output is plain SVG 1.1 text,
so the CLI can write it to a file and the dashboard can inline it.
"""

from __future__ import annotations

from html import escape

from doorstep.domain.picking.layout import GraphLayout, Layout
from doorstep.domain.picking.walk import XY, Route

_MARGIN = 30.0


def _bounds(layout: Layout, route: Route | None) -> tuple[float, float, float, float]:
    if isinstance(layout, GraphLayout):
        pts = list(layout.nodes.values())
    else:
        half = layout.aisle_spacing / 2
        top = layout.cross_y(layout.cross_aisles - 1)
        pts = [
            (min(0.0, layout.depot_x) - half, -1.0),
            (max(layout.width, layout.depot_x) + half, top + 1.0),
        ]
    if route is not None:
        pts += list(route.polyline)
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


def render_svg(
    layout: Layout,
    route: Route | None = None,
    *,
    scale: float | None = None,
    title: str | None = None,
) -> str:
    """The layout (and ``route`` when given) as an SVG document."""
    x0, y0, x1, y1 = _bounds(layout, route)
    span = max(x1 - x0, y1 - y0, 1.0)
    s = scale if scale is not None else min(20.0, 900.0 / span)
    width, height = (x1 - x0) * s + 2 * _MARGIN, (y1 - y0) * s + 2 * _MARGIN

    def pt(p: XY) -> tuple[float, float]:
        return (round((p[0] - x0) * s + _MARGIN, 2), round((y1 - p[1]) * s + _MARGIN, 2))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" font-size="10">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="5" '
        'markerHeight="5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#1f5fbf"/></marker></defs>',
        f"<title>{escape(title or layout.name)}</title>",
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="white"/>',
    ]
    if isinstance(layout, GraphLayout):
        for a, b, _ in layout.edges:
            (ax, ay), (bx, by) = pt(layout.nodes[a]), pt(layout.nodes[b])
            out.append(
                f'<line x1="{ax}" y1="{ay}" x2="{bx}" y2="{by}" stroke="#bbb" stroke-width="3"/>'
            )
        depot = layout.nodes[layout.depot]
    else:
        rack = min(layout.aisle_spacing * 0.3, 1.2)
        for block in range(layout.blocks):
            lo = layout.cross_y(block) + layout.cross_aisle_width / 2
            hi = lo + layout.aisle_length
            for aisle in range(1, layout.aisles + 1):
                x = layout.aisle_x(aisle)
                edge = layout.aisle_spacing / 2 - 0.1
                for left in (x - edge, x + edge - rack):
                    px, py = pt((left, hi))
                    out.append(
                        f'<rect x="{px}" y="{py}" width="{rack * s:.2f}" '
                        f'height="{(hi - lo) * s:.2f}" fill="#ddd" stroke="#aaa"/>'
                    )
                lx, ly = pt((x, lo - 0.2))
                if block == 0:
                    out.append(
                        f'<text x="{lx}" y="{ly + 12}" text-anchor="middle" '
                        f'fill="#777">{aisle}</text>'
                    )
        depot = (layout.depot_x, 0.0)
    if route is not None and len(route.polyline) > 1:
        path = " ".join(f"{x},{y}" for x, y in map(pt, route.polyline))
        out.append(
            f'<polyline points="{path}" fill="none" stroke="#1f5fbf" stroke-width="2" '
            'stroke-linejoin="round" marker-mid="url(#arrow)"/>'
        )
        for i, stop in enumerate(route.stops, start=1):
            sx, sy = pt((stop.x, stop.y))
            out.append(
                f'<circle cx="{sx}" cy="{sy}" r="4" fill="#e8590c"><title>'
                f"{i}: {escape(stop.location)}</title></circle>"
            )
            out.append(f'<text x="{sx + 5}" y="{sy - 4}" fill="#e8590c">{i}</text>')
        out.append(
            f'<text x="{_MARGIN}" y="{_MARGIN - 12}">{escape(route.method)}: '
            f"{route.distance:.1f} m, {len(route.stops)} stops</text>"
        )
    dx, dy = pt(depot)
    out.append(
        f'<rect x="{dx - 6}" y="{dy - 6}" width="12" height="12" fill="#2b8a3e">'
        "<title>depot</title></rect>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"
