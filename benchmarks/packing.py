"""Carton choice and label output: doorstep's packer against two rules a packing bench uses.

Generates 10,000 orders (apparel, shoes, electronics, books; 1–12 units) and boxes every
order three ways against an 8-size catalogue of FEFCO 0201 cartons priced by the board of
their blank (src/doorstep/devtools/packing_data.py, docs/packing.md):

* doorstep — ``choose_cartons``: the cheapest carton set holding the items (extreme points +
             exact search for orders of up to six units);
* largest  — always the largest carton, as many as the extreme-point packer needs;
* volume   — "the smallest box whose volume fits": cartons in order of volume (then cost),
             the first whose volume is at least the items' volume *and* that really holds
             them (the same packer and exact search as doorstep, and the carton's maximum
             load) — the literal rule stepped up to the next carton by volume until the
             items fit.  An order no single carton holds is split into the same shares as
             doorstep's split (``split_shares``), each share boxed by this rule, so both
             sides ship the same number of parcels and only the carton choice differs.

Every packing of all three is verified geometrically (inside the carton, no overlaps, each
item in one of its orientations) and against the carton's maximum load.  The same run
repeats the comparison on the first, surface-priced catalogue (``SURFACE_PRICED_CARTONS``,
every price rising with volume), where the volume rule cannot be beaten (docs/packing.md).

Prints the costs and, as the last line, one JSON object with orders_per_s,
volume_utilisation, cost_vs_largest_box, cost_vs_volume_rule (shares saved, higher is better),
labels_per_s (doorstep's own A6 PDF label, one page per label, written in batches of 100;
CPU time of this process, so other work on a shared machine does not count).
Targets (issue 15): ≥ 200 orders/s, ≥ 0.25 vs largest, ≥ 0.05 vs the volume rule, ≥ 50
labels/s.

    .venv/bin/python benchmarks/packing.py [--orders 10000] [--seed 15] [--labels 500]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from doorstep.adapters.documents.labels import LabelData, render_pdf
from doorstep.devtools.packing_data import (
    CARTONS,
    SURFACE_PRICED_CARTONS,
    blank_area_m2,
    random_order,
)
from doorstep.domain.packing import (
    CartonType,
    Item,
    Parcel,
    cheapest_single,
    choose_cartons,
    split_shares,
    verify,
)
from doorstep.domain.packing.heuristic import pack_into, sort_for_packing
from doorstep.domain.packing.sscc import make_sscc


def checked(parcels: list[Parcel], items: list[Item]) -> list[Parcel]:
    """``parcels`` after proving they hold exactly ``items``, inside, unoverlapped, not
    overloaded — the same check for doorstep and both baselines."""
    assert sorted(i.sku for p in parcels for i in p.items) == sorted(i.sku for i in items)
    for parcel in parcels:
        verify(parcel.carton.inner, list(parcel.placements))
        assert parcel.content_weight_g <= parcel.carton.max_load_g, parcel.carton.code
    return parcels


def largest_box(items: list[Item], cartons: list[CartonType]) -> list[Parcel]:
    """Always the largest carton: as many as the heuristic needs to hold everything."""
    big = max(cartons, key=lambda c: c.volume)
    remaining = sort_for_packing(items)
    used: list[Parcel] = []
    while remaining:
        placed, left = pack_into(big.inner, remaining, presorted=True, stop_on_miss=False,
                                 max_load_g=big.max_load_g)
        used.append(Parcel(big, tuple(placed)))
        remaining = left
    return used


def by_volume(cartons: list[CartonType]) -> list[CartonType]:
    return sorted(cartons, key=lambda c: (c.volume, c.cost, c.code))


def volume_rule_single(items: list[Item], cartons: list[CartonType]) -> Parcel | None:
    """The smallest carton by volume whose volume ≥ the items' and that really holds them."""
    total = sum(it.volume for it in items)
    for carton in by_volume(cartons):
        if carton.volume < total:
            continue
        parcel = cheapest_single(items, [carton])
        if parcel is not None:
            return parcel
    return None


def volume_rule(items: list[Item], cartons: list[CartonType]) -> list[Parcel]:
    """The volume rule for a whole order; split into doorstep's shares when it must."""
    whole = volume_rule_single(items, cartons)
    if whole is not None:
        return [whole]
    parcels = []
    for share in split_shares(items, cartons):
        parcel = volume_rule_single(share, cartons)
        assert parcel is not None, "a share doorstep boxed found no carton by volume"
        parcels.append(parcel)
    return parcels


def volume_rule_misfits(items: list[Item], cartons: list[CartonType]) -> bool:
    """The plain rule (smallest carton whose volume holds the items' volume) picks a carton
    the items do not physically fit — a packer at the bench has to find another one."""
    total = sum(it.volume for it in items)
    for carton in by_volume(cartons):
        if carton.volume >= total:
            return cheapest_single(items, [carton]) is None
    return False


def cost(parcels: list[Parcel]) -> Decimal:
    return sum((p.carton.cost for p in parcels), Decimal(0))


def board(parcels: list[Parcel]) -> float:
    return sum(blank_area_m2(*p.carton.inner) for p in parcels)


def price_follows_volume(cartons: list[CartonType]) -> bool:
    """Every larger carton costs at least as much — then nothing beats the volume rule."""
    ordered = by_volume(cartons)
    return all(a.cost <= b.cost for a, b in pairwise(ordered))


@dataclass
class Comparison:
    catalogue: str
    orders: int
    parcels: int
    split_orders: int
    cpu_s: float
    utilisation: float
    ours: Decimal
    largest: Decimal
    volume: Decimal
    board_ours_m2: float
    board_volume_m2: float
    exact_cheaper: int
    misfits: int
    cheaper_than_volume: int
    dearer_than_volume: int
    monotone: bool
    swaps: Counter[tuple[str, str]] = field(default_factory=Counter)

    def figures(self) -> dict[str, object]:
        return {
            "orders": self.orders,
            "parcels": self.parcels,
            "split_orders": self.split_orders,
            "orders_per_s": round(self.orders / self.cpu_s, 1),
            "volume_utilisation": round(self.utilisation, 3),
            "cost_doorstep_eur": float(self.ours),
            "cost_largest_eur": float(self.largest),
            "cost_volume_rule_eur": float(self.volume),
            "cost_vs_largest_box": round(float(1 - self.ours / self.largest), 3),
            "cost_vs_volume_rule": round(float(1 - self.ours / self.volume), 3),
            "board_vs_volume_rule": round(1 - self.board_ours_m2 / self.board_volume_m2, 3),
            "orders_cheaper_than_volume_rule": self.cheaper_than_volume,
            "orders_dearer_than_volume_rule": self.dearer_than_volume,
            "exact_search_cheaper_orders": self.exact_cheaper,
            "volume_rule_misfit_share": round(self.misfits / self.orders, 3),
            "price_rises_with_volume": self.monotone,
        }


def compare(name: str, orders: list[list[Item]], cartons: list[CartonType]) -> Comparison:
    started = time.process_time()
    suggestions = [choose_cartons(items, cartons) for items in orders]
    cpu = time.process_time() - started
    plain = [choose_cartons(items, cartons, use_exact=False) for items in orders]
    ours = largest = volume = Decimal(0)
    board_ours = board_volume = util = 0.0
    parcels = split = exact_cheaper = cheaper = dearer = misfits = 0
    swaps: Counter[tuple[str, str]] = Counter()
    for items, suggestion, heuristic_only in zip(orders, suggestions, plain, strict=True):
        mine = checked(suggestion, items)
        biggest = checked(largest_box(items, cartons), items)
        rule = checked(volume_rule(items, cartons), items)
        parcels += len(mine)
        split += len(mine) > 1
        util += sum(p.utilisation for p in mine)
        ours += cost(mine)
        largest += cost(biggest)
        volume += cost(rule)
        board_ours += board(mine)
        board_volume += board(rule)
        exact_cheaper += cost(mine) < cost(heuristic_only)
        cheaper += cost(mine) < cost(rule)
        if cost(mine) < cost(rule):
            swaps[(" + ".join(p.carton.code for p in rule),
                   " + ".join(p.carton.code for p in mine))] += 1
        dearer += cost(mine) > cost(rule)
        misfits += volume_rule_misfits(items, cartons)
    return Comparison(name, len(orders), parcels, split, cpu, util / parcels, ours, largest,
                      volume, board_ours, board_volume, exact_cheaper, misfits, cheaper,
                      dearer, price_follows_volume(cartons), swaps)


def labels_per_second(count: int) -> float:
    labels = [LabelData(make_sscc("4012345", n), ("doorstep demo shop", "Lagerstraße 1",
                                                  "10115 Berlin"),
                        ("Erika Mustermann", "Heidestraße 17", "51147 Köln", "DE"),
                        f"ORD-{n}", 1200 + n, "DHL", f"https://shop.example/track/t{n:08d}")
              for n in range(count)]
    render_pdf(labels[:1])
    started = time.process_time()
    for start in range(0, len(labels), 100):
        render_pdf(labels[start:start + 100])
    return len(labels) / (time.process_time() - started)


def report(c: Comparison) -> None:
    f = c.figures()
    print(f"[{c.catalogue}] price rises with volume: {c.monotone}; "
          f"{c.orders:,} orders, {c.parcels:,} parcels ({c.split_orders} orders split), "
          f"{f['orders_per_s']:,} orders/s on one core", file=sys.stderr)
    print(f"  carton cost: doorstep €{c.ours:,.2f}  largest box €{c.largest:,.2f} "
          f"({f['cost_vs_largest_box']:.1%} saved)  volume rule €{c.volume:,.2f} "
          f"({f['cost_vs_volume_rule']:.1%} saved; board {f['board_vs_volume_rule']:.1%})",
          file=sys.stderr)
    print(f"  doorstep cheaper than the volume rule for {c.cheaper_than_volume:,} orders, "
          f"dearer for {c.dearer_than_volume:,}; the plain rule's carton does not hold the "
          f"items for {c.misfits:,} orders ({c.misfits / c.orders:.1%}); exact search beat "
          f"the heuristic for {c.exact_cheaper} orders", file=sys.stderr)
    for (rule, mine), n in c.swaps.most_common(5):
        print(f"    volume rule {rule} → doorstep {mine}: {n:,} orders", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--labels", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    orders = [random_order(rng) for _ in range(args.orders)]

    board_priced = compare("FEFCO 0201 blank-priced", orders, CARTONS)
    surface_priced = compare("surface-priced (first catalogue)", orders, SURFACE_PRICED_CARTONS)
    labels = labels_per_second(args.labels)
    for comparison in (board_priced, surface_priced):
        report(comparison)
    print(f"labels: {labels:,.0f}/s; load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    result = {**board_priced.figures(), "labels_per_s": round(labels, 1),
              "surface_priced_catalogue": surface_priced.figures(),
              "load_average_1min": round(os.getloadavg()[0], 2)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
