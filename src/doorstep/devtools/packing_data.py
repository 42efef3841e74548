"""Generated packing work: a realistic item mix and an 8-size carton catalogue.

Item sizes are packed-product dimensions as they arrive from suppliers (a folded T-shirt in
its bag, a shoebox, a boxed phone, a paperback); carton prices follow corrugated board area
(€0.10 per carton + €2 per m² of board), tare 400 g per m², which is how carton suppliers
price stock sizes.  Shared by benchmarks/packing.py, the demo and the tests.
"""

from __future__ import annotations

import random
from decimal import Decimal

from doorstep.domain.packing import CartonType, Item

# (sku, length, width, height mm, weight g, category share within its category)
CATALOGUE: dict[str, list[tuple[str, int, int, int, int]]] = {
    "apparel": [("TEE", 300, 250, 20, 180), ("HOODIE", 350, 300, 60, 600),
                ("JEANS", 350, 280, 40, 700), ("SOCKS", 200, 100, 30, 80),
                ("JACKET", 400, 320, 80, 1100)],
    "shoes": [("SNEAKER", 320, 200, 110, 900), ("SHOE", 330, 210, 120, 1000),
              ("BOOT", 360, 260, 140, 1600)],
    "electronics": [("PHONE", 180, 100, 60, 400), ("HEADPHONES", 220, 200, 90, 500),
                    ("TABLET", 280, 200, 50, 800), ("LAPTOP", 400, 300, 60, 2500),
                    ("CHARGER", 100, 60, 40, 150)],
    "books": [("PAPERBACK", 190, 125, 25, 300), ("HARDCOVER", 240, 160, 35, 700),
              ("COFFEETABLE", 310, 240, 30, 1400)],
}
CATEGORY_SHARE = {"apparel": 0.4, "shoes": 0.2, "electronics": 0.2, "books": 0.2}
# units per order: 1 (45 %), 2 (25 %), 3 (15 %), 4–6 (12 %), 7–12 (3 %)
SIZE_SHARE = [(1, 1, 0.45), (2, 2, 0.25), (3, 3, 0.15), (4, 6, 0.12), (7, 12, 0.03)]


def carton(code: str, length: int, width: int, height: int, max_load_kg: float) -> CartonType:
    area_m2 = 2 * (length * width + length * height + width * height) / 1e6
    cost = (Decimal("0.10") + Decimal(str(round(area_m2 * 2, 2)))).quantize(Decimal("0.01"))
    return CartonType(code, length, width, height, tare_g=round(area_m2 * 400),
                      max_load_g=round(max_load_kg * 1000), cost=cost)


# Common stock sizes of German packaging suppliers' folding cartons, plus the two flat
# formats shops use for books and small apparel (a "Maxibrief" box and a book wrap).
CARTONS: list[CartonType] = [
    carton("MAXI", 240, 160, 50, 2), carton("BOOK", 320, 250, 80, 10),
    carton("S", 250, 175, 100, 10), carton("M", 350, 250, 150, 15),
    carton("L", 400, 300, 200, 20), carton("XL", 500, 300, 300, 25),
    carton("XXL", 600, 400, 400, 31.5), carton("LONG", 800, 200, 200, 20),
]


def random_order(rng: random.Random) -> list[Item]:
    """The units of one order: a size from SIZE_SHARE, each unit from one category mix."""
    roll = rng.random()
    low, high = 1, 1
    for low, high, share in SIZE_SHARE:  # noqa: B007 - the bounds found are used below
        if roll < share:
            break
        roll -= share
    units = rng.randint(low, high)
    categories = list(CATEGORY_SHARE)
    weights = list(CATEGORY_SHARE.values())
    items: list[Item] = []
    while len(items) < units:
        sku, length, width, height, grams = rng.choice(
            CATALOGUE[rng.choices(categories, weights)[0]])
        repeat = 1 if rng.random() < 0.8 else min(units - len(items), rng.randint(2, 3))
        items.extend([Item(sku, length, width, height, grams)] * repeat)
    return items
