"""Warehouse picking: layouts, exact and heuristic pick routes, batching, waves, short picks.

Public entry points (pure functions, no I/O):

* :func:`route` — tour through location codes in a layout by a named method;
* :func:`plan_batches` — group orders into cart tours;
* :func:`plan_wave` / :func:`choose_release` — release, batch, route and list a wave;
* :func:`decide_short_pick` — re-allocate or backorder a short pick;
* :func:`render_svg` — draw a layout and a tour.
"""

from doorstep.domain.picking.batching import (
    BATCH_METHODS,
    BatchingError,
    BatchPlan,
    Cart,
    PickOrder,
    plan_batches,
)
from doorstep.domain.picking.layout import (
    GraphLayout,
    Layout,
    LayoutError,
    RectangularLayout,
)
from doorstep.domain.picking.routing import (
    METHODS,
    RoutingError,
    route,
    tour_length,
    tour_length_bound,
    walk_distance,
)
from doorstep.domain.picking.shortpick import (
    ShortPick,
    ShortPickDecision,
    ShortPickError,
    decide_short_pick,
)
from doorstep.domain.picking.svg import render_svg
from doorstep.domain.picking.walk import Route, Stop
from doorstep.domain.picking.waves import (
    OrderLine,
    Wave,
    WaveError,
    WaveOrder,
    WaveRules,
    choose_release,
    plan_wave,
)

__all__ = [
    "BATCH_METHODS",
    "METHODS",
    "BatchPlan",
    "BatchingError",
    "Cart",
    "GraphLayout",
    "Layout",
    "LayoutError",
    "OrderLine",
    "PickOrder",
    "RectangularLayout",
    "Route",
    "RoutingError",
    "ShortPick",
    "ShortPickDecision",
    "ShortPickError",
    "Stop",
    "Wave",
    "WaveError",
    "WaveOrder",
    "WaveRules",
    "choose_release",
    "decide_short_pick",
    "plan_batches",
    "plan_wave",
    "render_svg",
    "route",
    "tour_length",
    "tour_length_bound",
    "walk_distance",
]
