"""Carton choice and label output: doorstep's packer against two rules a packing bench uses.

Generates 10,000 orders (apparel, shoes, electronics, books; 1–12 units) and an 8-size
carton catalogue (src/doorstep/devtools/packing_data.py), then boxes every order three ways:

* doorstep   — cheapest carton set holding the items (extreme points + exact search for
               small orders), every packing verified geometrically;
* largest    — always the largest carton (split into several when it must);
* volume     — the smallest carton whose volume holds the items' volume, stepping up until the
               items really fit (checked with the same geometric packer); split like doorstep
               when nothing holds them.

Prints the costs and, as the last line, one JSON object with orders_per_s,
volume_utilisation, cost_vs_largest_box, cost_vs_volume_rule (shares saved, higher is better),
labels_per_s (doorstep's own A6 PDF label, one page per label, written in batches of 100;
CPU time of this process, so other work on a shared machine does not count).
Targets (issue 15): ≥ 200 orders/s, ≥ 0.25 vs largest, ≥ 0.05 vs the volume rule, ≥ 50
labels/s.

    .venv/bin/python benchmarks/packing.py [--orders 10000] [--seed 15]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from decimal import Decimal

from doorstep.adapters.documents.labels import LabelData, render_pdf
from doorstep.devtools.packing_data import CARTONS, random_order
from doorstep.domain.packing import CartonType, Item, Parcel, choose_cartons, verify
from doorstep.domain.packing.cartons import _split, cheapest_single
from doorstep.domain.packing.heuristic import pack_into, sort_for_packing
from doorstep.domain.packing.sscc import make_sscc


def largest_box(items: list[Item]) -> list[CartonType]:
    """Always the largest carton: as many as the heuristic needs to hold everything."""
    big = max(CARTONS, key=lambda c: c.volume)
    remaining = sort_for_packing(items)
    used: list[CartonType] = []
    while remaining:
        _placed, left = pack_into(big.inner, remaining, presorted=True, stop_on_miss=False,
                                 max_load_g=big.max_load_g)
        used.append(big)
        remaining = left
    return used


def volume_rule(items: list[Item]) -> list[CartonType]:
    """Smallest carton by volume that holds the items' volume and really fits them."""
    total = sum(it.volume for it in items)
    for carton in sorted(CARTONS, key=lambda c: c.volume):
        if carton.volume < total:
            continue
        if cheapest_single(items, [carton]) is not None:
            return [carton]
    shares = _split(items, CARTONS, use_exact=True)
    return [volume_rule(p.items)[0] for p in shares]


def volume_rule_misfits(items: list[Item]) -> bool:
    """The plain rule (smallest carton whose volume holds the items' volume) picks a carton
    the items do not physically fit — a packer at the bench has to find another one."""
    total = sum(it.volume for it in items)
    for carton in sorted(CARTONS, key=lambda c: c.volume):
        if carton.volume >= total:
            return cheapest_single(items, [carton]) is None
    return False


def cost(cartons: list[CartonType]) -> Decimal:
    return sum((c.cost for c in cartons), Decimal(0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--labels", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    orders = [random_order(rng) for _ in range(args.orders)]

    started = time.process_time()
    suggestions: list[list[Parcel]] = [choose_cartons(items, CARTONS) for items in orders]
    cpu = time.process_time() - started

    heuristic_only = [choose_cartons(items, CARTONS, use_exact=False) for items in orders]
    ours = Decimal(0)
    exact_cheaper = 0
    parcels = 0
    util = 0.0
    for items, suggestion, plain in zip(orders, suggestions, heuristic_only, strict=True):
        assert sorted(i.sku for p in suggestion for i in p.items) == sorted(i.sku for i in items)
        for parcel in suggestion:
            verify(parcel.carton.inner, list(parcel.placements))
            parcels += 1
            util += parcel.utilisation
        ours += cost([p.carton for p in suggestion])
        if cost([p.carton for p in suggestion]) < cost([p.carton for p in plain]):
            exact_cheaper += 1
    largest = sum((cost(largest_box(items)) for items in orders), Decimal(0))
    by_volume = sum((cost(volume_rule(items)) for items in orders), Decimal(0))
    split_orders = sum(1 for s in suggestions if len(s) > 1)
    misfits = sum(1 for items in orders if volume_rule_misfits(items))

    labels = [LabelData(make_sscc("4012345", n), ("doorstep demo shop", "Lagerstraße 1",
                                                  "10115 Berlin"),
                        ("Erika Mustermann", "Heidestraße 17", "51147 Köln", "DE"),
                        f"ORD-{n}", 1200 + n, "DHL", f"https://shop.example/track/t{n:08d}")
              for n in range(args.labels)]
    render_pdf(labels[:1])
    started = time.process_time()
    for start in range(0, len(labels), 100):
        render_pdf(labels[start:start + 100])
    labels_per_s = len(labels) / (time.process_time() - started)

    result = {
        "orders": len(orders),
        "parcels": parcels,
        "split_orders": split_orders,
        "orders_per_s": round(len(orders) / cpu, 1),
        "volume_utilisation": round(util / parcels, 3),
        "cost_doorstep_eur": float(ours),
        "cost_largest_eur": float(largest),
        "cost_volume_rule_eur": float(by_volume),
        "cost_vs_largest_box": round(float(1 - ours / largest), 3),
        "cost_vs_volume_rule": round(float(1 - ours / by_volume), 3),
        "exact_search_cheaper_orders": exact_cheaper,
        "volume_rule_misfit_share": round(misfits / len(orders), 3),
        "labels_per_s": round(labels_per_s, 1),
    }
    print(f"{len(orders):,} orders, {parcels:,} parcels ({split_orders} orders split), "
          f"{result['orders_per_s']:,} orders/s on one core", file=sys.stderr)
    print(f"carton cost: doorstep €{ours:,.2f}  largest box €{largest:,.2f} "
          f"({result['cost_vs_largest_box']:.1%} saved)  volume rule €{by_volume:,.2f} "
          f"({result['cost_vs_volume_rule']:.1%} saved)", file=sys.stderr)
    print(f"the plain volume rule picks a carton the items do not fit for {misfits:,} orders "
          f"({misfits / len(orders):.1%}); stepping up until they fit costs what doorstep "
          "costs on this catalogue", file=sys.stderr)
    print(f"exact search found a cheaper carton than the heuristic for {exact_cheaper} orders; "
          f"labels: {labels_per_s:,.0f}/s", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
