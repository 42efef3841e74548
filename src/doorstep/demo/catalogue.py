"""A generated but realistic catalogue, warehouse and order stream (seeded, repeatable).

GTINs are GTIN-13 under the German GS1 prefix range with correct check digits; weights and
sizes follow the product family; demand follows a Zipf curve (a few bestsellers, a long
tail); orders arrive over the day with a lunch and an evening peak.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from doorstep.domain.catalogue import Product
from doorstep.domain.gs1 import gtin_check_digit

FAMILIES = [
    # name, (weight g range), (l, w, h mm base), variants
    ("Coffee beans 1 kg", (1000, 1050), (220, 120, 80), ["Espresso", "Crema", "Decaf", "Lungo"]),
    ("Ceramic mug", (300, 380), (120, 90, 100), ["white", "sand", "petrol", "rust"]),
    ("Running socks", (60, 90), (200, 90, 30), ["S", "M", "L", "XL"]),
    ("Desk lamp LED", (900, 1400), (420, 180, 160), ["black", "white", "brass"]),
    ("Paperback novel", (250, 450), (190, 125, 30), ["thriller", "romance", "sci-fi", "classic"]),
    ("Yoga mat", (1200, 1800), (620, 120, 120), ["4 mm", "6 mm", "8 mm"]),
    ("Phone case", (40, 70), (170, 90, 20), ["clear", "black", "blue", "green", "red"]),
    ("Cast-iron pan 28 cm", (2900, 3400), (500, 300, 80), ["classic", "enamelled"]),
    ("Board game", (800, 2200), (300, 300, 80), ["family", "strategy", "party"]),
    ("Hoodie", (450, 700), (350, 280, 60), ["S", "M", "L", "XL", "XXL"]),
    ("Olive oil 0.75 l", (1150, 1250), (300, 70, 70), ["Kreta", "Toskana", "Andalusien"]),
    ("USB-C cable 2 m", (50, 80), (150, 100, 25), ["black", "white"]),
    ("Wool blanket", (1400, 2100), (450, 350, 120), ["grey", "ochre", "navy"]),
    ("Tea tin 100 g", (150, 180), (100, 80, 80), ["Assam", "Sencha", "Earl Grey", "Rooibos"]),
    ("Kids' rain boots", (600, 900), (300, 200, 120), ["24", "26", "28", "30", "32"]),
    ("Bluetooth speaker", (500, 900), (200, 90, 90), ["black", "forest", "sand"]),
]

COMPANY_PREFIX = "4012345"  # 40-44: GS1 Germany


def make_gtin(n: int) -> str:
    body = f"{COMPANY_PREFIX}{n:05d}"
    return body + gtin_check_digit(body)


def make_products(count: int = 240, *, seed: int = 7) -> list[Product]:
    rng = random.Random(seed)
    products: list[Product] = []
    n = 0
    while len(products) < count:
        for name, (wlo, whi), (length, width, height), variants in FAMILIES:
            for variant in variants:
                if len(products) >= count:
                    break
                n += 1
                jitter = rng.uniform(0.9, 1.1)
                products.append(Product(
                    sku=f"DS-{n:05d}",
                    gtin=make_gtin(n),
                    name=f"{name} – {variant}" + (f" ({n // 60 + 1})" if n > 60 else ""),
                    weight_g=rng.randint(wlo, whi),
                    length_mm=round(length * jitter),
                    width_mm=round(width * jitter),
                    height_mm=round(height * jitter),
                ))
    return products


def location_codes(*, aisles: int = 10, bays: int = 40, levels: int = 2) -> list[str]:
    return [f"P-{a:02d}-{b:03d}-{lv}-1" for a in range(1, aisles + 1)
            for b in range(1, bays + 1) for lv in range(1, levels + 1)]


def zipf_weights(count: int, s: float = 1.05) -> list[float]:
    return [1.0 / (rank ** s) for rank in range(1, count + 1)]


@dataclass(frozen=True)
class DemoOrder:
    external_id: str
    placed_at: datetime
    customer: str
    city: str
    postcode: str
    country: str
    lines: list[tuple[str, int]]
    carrier_service: str
    priority: int


CITIES = [("Berlin", "10115", "DE"), ("Hamburg", "20095", "DE"), ("München", "80331", "DE"),
          ("Köln", "50667", "DE"), ("Leipzig", "04109", "DE"), ("Freiburg", "79098", "DE"),
          ("Wien", "1010", "AT"), ("Zürich", "8001", "CH"), ("Amsterdam", "1012 JS", "NL"),
          ("Kopenhagen", "1050", "DK")]
FIRST = ["Anna", "Ben", "Clara", "David", "Emma", "Finn", "Greta", "Hannah", "Jonas", "Lea",
         "Mia", "Noah", "Paul", "Sophie", "Tom", "Yusuf", "Zoe", "Mehmet", "Olga", "Luca"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Hoffmann", "Schulz", "Koch", "Richter", "Klein", "Wolf", "Yılmaz", "Nowak"]
SERVICES = ["dhl:paket", "dhl:paket", "dpd:classic", "gls:business", "hermes:standard"]


def day_of_orders(products: list[Product], day: datetime, count: int, *,
                  seed: int = 11) -> list[DemoOrder]:
    """``count`` orders over one day; arrival intensity peaks at 12:30 and 20:30 UTC."""
    rng = random.Random(seed)
    weights = zipf_weights(len(products))
    skus = [p.sku for p in products]

    def intensity(hour: float) -> float:
        return (0.2 + math.exp(-((hour - 12.5) ** 2) / 4)
                + 1.4 * math.exp(-((hour - 20.5) ** 2) / 3))

    hours: list[float] = []
    while len(hours) < count:
        h = rng.uniform(0, 24)
        if rng.uniform(0, 1.7) < intensity(h):
            hours.append(h)
    hours.sort()
    orders = []
    for i, h in enumerate(hours, start=1):
        n_lines = rng.choices([1, 2, 3, 4], weights=[55, 28, 12, 5])[0]
        chosen = list(dict.fromkeys(rng.choices(skus, weights=weights, k=n_lines)))
        city, postcode, country = rng.choice(CITIES)
        orders.append(DemoOrder(
            external_id=f"#{100000 + i}",
            placed_at=day + timedelta(hours=h),
            customer=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            city=city, postcode=postcode, country=country,
            lines=[(sku, rng.choices([1, 2, 3], weights=[80, 15, 5])[0]) for sku in chosen],
            carrier_service=rng.choice(SERVICES),
            priority=9 if rng.random() < 0.05 else 0,
        ))
    return orders
