"""Shared strategies for the picking tests: small random rectangular instances."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import strategies as st

from doorstep.domain.picking import RectangularLayout

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "picking"


def random_instance(rng: random.Random, max_picks: int = 6) -> tuple[RectangularLayout, list[str]]:
    """A random small warehouse (1-4 blocks, depot anywhere on the front) and pick codes."""
    aisles = rng.randint(1, 6)
    layout = RectangularLayout(
        aisles=aisles,
        aisle_length=rng.choice([4.0, 6.0, 10.0]),
        aisle_spacing=rng.choice([2.0, 3.5]),
        cross_aisles=rng.randint(2, 4),
        cross_aisle_width=rng.choice([0.0, 2.0]),
        depot_x=rng.choice([0.0, 1.0, 2.0 * (aisles - 1), -1.5]),
    )
    positions = layout.slots_per_block * layout.blocks
    codes = [
        layout.code_for(
            rng.randint(1, aisles), rng.randint(1, positions), rng.choice(["left", "right"])
        )
        for _ in range(rng.randint(1, max_picks))
    ]
    return layout, codes


@st.composite
def instances(draw: st.DrawFn, max_picks: int = 12) -> tuple[RectangularLayout, list[str]]:
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    return random_instance(random.Random(seed), max_picks)
