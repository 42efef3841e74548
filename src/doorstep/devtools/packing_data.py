"""Generated packing work: a realistic item mix and an 8-size carton catalogue.

Item sizes are packed-product dimensions as they arrive from suppliers (a folded T-shirt in
its bag, a shoebox, a boxed phone, a paperback).

Carton prices follow the board a carton is cut from, which is how corrugated cartons are
costed (box price = board price per m² × blank area, plus converting — see docs/packing.md
"How the benchmark prices cartons").  Every carton is a FEFCO 0201 regular slotted case with
inner dimensions L × W × H (L ≥ W at the opening); its one-piece blank is

    (2·L + 2·W + 35 mm glue flap)  ×  (W + H)      (the top and bottom flaps are W/2 deep)

priced at €0.80 per m² of single-wall board plus €0.10 per carton (converting, handling),
tare 400 g per m² of blank.  Flaps make flat cartons dear: a 600 × 400 × 100 case needs
1.02 m² of board, a 300 × 300 × 300 cube of larger volume 0.74 m².  The eight sizes are the
shapes an e-commerce shop stocks: two flat mailers (A4, A3), a small case, a shoe-box
shape, a standard and a cube of about the same volume, a long box and a large case.

``SURFACE_PRICED_CARTONS`` is the first catalogue (priced by the closed box's surface, every
price rising with volume), kept so the benchmark can show both; see benchmarks/RESULTS.md.
Shared by benchmarks/packing.py, the demo and the tests.
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


GLUE_FLAP_MM = 35
BOARD_EUR_PER_M2 = Decimal("0.80")
HANDLING_EUR = Decimal("0.10")
BOARD_G_PER_M2 = 400


def blank_area_m2(length: int, width: int, height: int) -> float:
    """Board of a FEFCO 0201 blank for inner L × W × H (mm): body panels and flaps."""
    return (2 * (length + width) + GLUE_FLAP_MM) * (width + height) / 1e6


def carton(code: str, length: int, width: int, height: int, max_load_kg: float, *,
           handling: Decimal = HANDLING_EUR) -> CartonType:
    """A FEFCO 0201 case priced by its blank (board €/m² × area + a per-carton constant)."""
    area = blank_area_m2(length, width, height)
    cost = (handling + BOARD_EUR_PER_M2 * Decimal(str(area))).quantize(Decimal("0.01"))
    return CartonType(code, length, width, height, tare_g=round(area * BOARD_G_PER_M2),
                      max_load_g=round(max_load_kg * 1000), cost=cost)


CARTONS: list[CartonType] = [
    carton("A4F", 305, 215, 60, 5),       # flat A4 mailer: books, media, small boxed goods
    carton("A3F", 430, 310, 80, 10),      # flat A3 mailer: folded apparel, laptops
    carton("S", 250, 175, 100, 10),       # small case
    carton("SHOE", 350, 250, 150, 15),    # shoe-box shape: one pair in its box
    carton("L", 400, 300, 200, 20),       # standard case
    carton("CUBE", 300, 300, 300, 20),    # cube of about the standard's volume
    carton("LONG", 800, 200, 200, 20),    # long box
    carton("XXL", 600, 400, 400, 31.5),   # large case for big orders
]


def surface_priced(code: str, length: int, width: int, height: int,
                   max_load_kg: float) -> CartonType:
    """The first catalogue's pricing: €0.10 + €2 per m² of the closed box's surface."""
    area_m2 = 2 * (length * width + length * height + width * height) / 1e6
    cost = (Decimal("0.10") + Decimal(str(round(area_m2 * 2, 2)))).quantize(Decimal("0.01"))
    return CartonType(code, length, width, height, tare_g=round(area_m2 * 400),
                      max_load_g=round(max_load_kg * 1000), cost=cost)


# Common stock sizes plus two flat formats (a "Maxibrief" box and a book wrap); every price
# rises with volume — the catalogue of the first measurement.
SURFACE_PRICED_CARTONS: list[CartonType] = [
    surface_priced("MAXI", 240, 160, 50, 2), surface_priced("BOOK", 320, 250, 80, 10),
    surface_priced("S", 250, 175, 100, 10), surface_priced("M", 350, 250, 150, 15),
    surface_priced("L", 400, 300, 200, 20), surface_priced("XL", 500, 300, 300, 25),
    surface_priced("XXL", 600, 400, 400, 31.5), surface_priced("LONG", 800, 200, 200, 20),
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
