"""Feeding the demo day through intake, allocation, restock and the warehouse steps."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select

from doorstep.adapters.db.picking_tables import pick_tasks
from doorstep.adapters.db.tables import order_lines, orders, stock
from doorstep.adapters.db.uow import transaction
from doorstep.adapters.layout_file import load_layout
from doorstep.adapters.promise_store import save_model
from doorstep.demo.catalogue import DemoOrder, day_of_orders, location_codes, make_products
from doorstep.domain.carrier_service import carrier_of
from doorstep.domain.order_states import OrderStatus
from doorstep.domain.picking.batching import Cart
from doorstep.domain.picking.waves import WaveRules
from doorstep.domain.promise.synthetic import DEST_COUNTRIES, SyntheticConfig, realistic_history
from doorstep.schemas.orders import Address, Customer, OrderIn, OrderLineIn
from doorstep.services import catalogue, order_flow, stock_ledger
from doorstep.services.intake import accept_order
from doorstep.services.outbox import Handler, build_handlers, process_batch
from doorstep.services.promise_service import build_calendars, fit_history
from doorstep.services.sites import DEMO_LAYOUT
from doorstep.services.waves import WaveSite, confirm_pick, release_wave

Step = Callable[[str, int], None]
"""Progress callback: (stage description, units advanced)."""


@dataclass
class DemoSummary:
    products: int = 0
    locations: int = 0
    orders: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    restocked_skus: int = 0
    sample_order_id: str = ""
    waves: int = 0
    walking_m: float = 0.0
    short_picks: int = 0


def _order_in(o: DemoOrder, prices: dict[str, Decimal], names: dict[str, str]) -> OrderIn:
    return OrderIn(
        external_id=o.external_id, channel="demo-shop", placed_at=o.placed_at,
        customer=Customer(name=o.customer, email=f"{o.external_id[1:]}@example.org"),
        shipping_address=Address(name=o.customer, line1="Hauptstraße 1", postcode=o.postcode,
                                 city=o.city, country=o.country),
        lines=[OrderLineIn(sku=s, quantity=q, unit_price=prices[s], name=names[s])
               for s, q in o.lines],
        carrier_service=o.carrier_service, priority=o.priority,
        shipping_price=Decimal("4.90"),
    )


def fit_demo_model(path: Path, *, until: date) -> int:
    """A promise model fitted on a year of generated history ending ``until``; returns rows.

    The demo shop has no past of its own, so its model learns from the same realistic
    generator the promise benchmark uses (seasonality, a Black-Friday surge, lanes).
    """
    cals = build_calendars(country="DE", subdiv=None, first_year=until.year - 1,
                           last_year=until.year + 1, dest_countries=DEST_COUNTRIES)
    rows = realistic_history(SyntheticConfig(start=until - timedelta(days=365), days=365,
                                             orders_per_day=60), cals)
    fitted = fit_history(rows, country="DE", subdiv=None,
                         as_of=datetime.combine(until, time(0), tzinfo=UTC))
    save_model(path, fitted.model)
    return len(rows)


def drain(engine: Engine, handlers: Mapping[str, Handler] | None = None) -> int:
    """Run the worker until the outbox is empty; returns messages handled."""
    total = 0
    while True:
        result = process_batch(engine, limit=200, handlers=handlers)
        total += result.handled
        if result.handled == 0:
            return total


def build_demo(engine: Engine, *, order_count: int, progress: Step,
               day: datetime | None = None, model_path: Path | None = None) -> DemoSummary:
    rng = random.Random(3)
    summary = DemoSummary()
    products = make_products(240)
    codes = location_codes()
    with transaction(engine, write=True) as conn:
        catalogue.upsert_warehouse(conn, "BER", "Berlin Fulfilment", "Europe/Berlin")
        summary.locations = catalogue.add_locations(conn, "BER", codes)
        for p in products:
            catalogue.upsert_product(conn, p)
        # Bestsellers sit near the depot (low aisle numbers) and get deeper stock.
        for rank, p in enumerate(products):
            qty = max(2, int(400 / (rank + 1) ** 0.8)) if rank % 17 else 1
            stock_ledger.receive(conn, sku=p.sku, location=codes[rank * 3 % len(codes)],
                                 quantity=qty, reason="opening stock", actor="demo")
    summary.products = len(products)
    progress("catalogue and stock", 1)
    prices = {p.sku: Decimal(rng.randrange(299, 8999)) / 100 for p in products}
    names = {p.sku: p.name for p in products}
    day = day or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) \
        - timedelta(days=1)
    for o in day_of_orders(products, day, order_count):
        result = accept_order(engine, _order_in(o, prices, names), f"demo-{o.external_id}",
                              now=o.placed_at)
        summary.sample_order_id = summary.sample_order_id or result.order_id
        progress("intake", 1)
    summary.orders = order_count
    handlers = build_handlers(promise_model_path=str(model_path) if model_path else "")
    drain(engine, handlers)
    progress("allocation and promises", 1)
    summary.restocked_skus = _restock_backorders(engine)
    drain(engine, handlers)
    progress("goods receipt for backorders", 1)
    _warehouse_day(engine, rng, progress, summary)
    drain(engine, handlers)  # hand-overs revise the promises
    with engine.connect() as conn:
        summary.statuses = Counter(dict(conn.execute(
            select(orders.c.status, func.count()).group_by(orders.c.status)).all()))
    return summary


def _restock_backorders(engine: Engine) -> int:
    """Half the SKUs that ran short get a supplier delivery in the afternoon."""
    with transaction(engine, write=True) as conn:
        short = conn.execute(
            select(order_lines.c.sku, func.sum(order_lines.c.quantity - order_lines.c.allocated))
            .where(order_lines.c.allocated < order_lines.c.quantity)
            .group_by(order_lines.c.sku).order_by(order_lines.c.sku)).all()
        for sku, missing in short[::2]:
            home = conn.execute(select(stock.c.location).where(stock.c.sku == sku)).scalar()
            stock_ledger.receive(conn, sku=sku, location=str(home), quantity=int(missing) + 5,
                                 reason="supplier delivery PO-4711", actor="goods-receipt")
    return len(short[::2])


def _warehouse_day(engine: Engine, rng: random.Random, progress: Step,
                   summary: DemoSummary) -> None:
    """Waves of routed pick lists; pickers confirm (a few short picks); pack, ship, deliver.

    A few customers cancel before release; the evening's last wave stays released for
    tomorrow's first shift.
    """
    site = WaveSite(warehouse="BER", layout=load_layout(DEMO_LAYOUT))
    with engine.connect() as conn:
        ready = conn.execute(select(orders.c.id).where(orders.c.status == "allocated")
                             .order_by(orders.c.accepted_at, orders.c.id)).scalars().all()
    for order_id in ready:
        if rng.random() < 0.02:
            with transaction(engine, write=True) as conn:
                order_flow.cancel(conn, order_id, actor="customer", reason="changed my mind")
    clock = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    while True:
        with transaction(engine, write=True) as conn:
            wave = release_wave(conn, site, now=clock, rules=WaveRules(max_orders=40),
                                cart=Cart(totes=8), actor="wave-planner")
        if not wave["released"]:
            break
        summary.waves += 1
        summary.walking_m += float(wave["total_distance_m"])
        if len(wave["released"]) < 10:  # a thin last wave waits for tomorrow's shift
            progress("warehouse", len(wave["released"]))
            break
        for pick_list in wave["pick_lists"]:
            for line in pick_list["lines"]:
                short = rng.random() < 0.01
                with transaction(engine, write=True) as conn:
                    confirm_pick(conn, site, line["task_id"],
                                 line["quantity"] - 1 if short else line["quantity"],
                                 actor=f"picker-{pick_list['batch'] % 6 + 1:02d}")
                summary.short_picks += short
        with engine.connect() as conn:
            extra = conn.execute(select(pick_tasks.c.id, pick_tasks.c.quantity).where(
                pick_tasks.c.wave_id == wave["id"], pick_tasks.c.status == "open")).all()
        for task_id, qty in extra:  # re-allocated after a short pick
            with transaction(engine, write=True) as conn:
                confirm_pick(conn, site, task_id, qty, actor="picker-runner")
        for order_id in wave["released"]:
            _pack_and_ship(engine, order_id, rng, deliver=summary.waves % 3 != 0)
            progress("warehouse", 1)
        clock += timedelta(minutes=20)


def _pack_and_ship(engine: Engine, order_id: str, rng: random.Random, *, deliver: bool) -> None:
    with transaction(engine, write=True) as conn:
        row = conn.execute(select(orders.c.status, orders.c.carrier_service)
                           .where(orders.c.id == order_id)).one()
        if row.status != "picking":  # backordered by a short pick: waits for stock
            return
        order_flow.pack(conn, order_id, actor="packer-02", carton=rng.choice("SMML"))
        carrier = carrier_of(row.carrier_service)
        status = order_flow.ship(conn, order_id, actor="handover", carrier=carrier,
                                 tracking_number=f"{carrier.upper()}"
                                 f"{rng.randrange(10**11, 10**12)}")
        if deliver and status is not OrderStatus.DELIVERED:
            order_flow.deliver(conn, order_id, actor=f"carrier:{carrier}")
