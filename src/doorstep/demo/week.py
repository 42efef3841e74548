"""A week of a small German shop, run through the real services on the simulated clock.

The week is the peak model's scenario (``demo-week.toml``, written into the demo folder
so ``doorstep peak simulate`` can run it too) driven through
``simulation.live.ServiceOperation``: orders arrive by weekday and hour through intake,
the worker allocates them and records their promise (from the fitted model and the
scenario's shifts as the queue's capacity), waves are released every half hour while
someone is at the release desk, pickers confirm each pick task and packers pack at the
times the model gives them, and the carriers collect at their cut-offs.  Some SKUs run
short and are restocked mid-week; afterwards the carriers' scans of the following days
arrive (``demo.scans``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from doorstep.adapters.db.picking_tables import waves
from doorstep.adapters.db.tables import order_lines, orders, stock
from doorstep.adapters.db.uow import transaction
from doorstep.clock import SimulatedClock, use_clock
from doorstep.demo.catalogue import make_products
from doorstep.demo.scans import ScanSummary, feed_scans
from doorstep.domain.promise.model import PromiseModel
from doorstep.services import stock_ledger
from doorstep.services.outbox import build_handlers
from doorstep.simulation.arrivals import generate, local_origin, location_codes, sku_slots
from doorstep.simulation.live import ServiceOperation
from doorstep.simulation.model import PeakModel
from doorstep.simulation.promises import PromiseDesk, origin_region
from doorstep.simulation.runner import site_for
from doorstep.simulation.scenario import Scenario, load_scenario

Step = Callable[[str, float], None]
"""Progress: (stage, completed so far)."""

SCENARIO = """# The demo shop's week: doorstep demo runs it through the real services.
# Try:  doorstep peak simulate --scenario {path}

[scenario]
name = "Kaffee & Keramik, a week"
start = "{start}"
days = {days}
seed = 3
timezone = "Europe/Berlin"
country = "DE"

[intake]
orders_per_day = {per_day}
# the shop's curve: Monday strongest, Saturday weakest; lunch and evening peaks
weekday = [1.2, 1.05, 1.0, 1.0, 0.95, 0.8, 1.0]
hourly = [0.8, 0.4, 0.2, 0.1, 0.1, 0.2, 0.6, 1.4, 2.2, 2.8, 3.2, 3.6, 4.2, 4.0, 3.4, 3.2,
          3.3, 3.6, 4.2, 4.8, 5.2, 4.6, 3.2, 1.8]

[orders]
lines = [55, 28, 12, 5]
countries = {{ DE = 84, AT = 6, CH = 3, NL = 3, FR = 2, DK = 1, PL = 1 }}
services = {{ "dhl:paket" = 60, "dpd:classic" = 28, "ups:standard" = 12 }}

[warehouse]
layout = "demo"
skus = 240
totes = 64
pack_stations = 2

[policy]
wave_every_minutes = 30
max_orders = 40
batching = "savings"
routing = "exact"
cart_totes = 8

[rates]
pick_s_per_line = 20
pick_s_per_batch = 120
pack_s_per_order = 95
handover_s_per_parcel = 10

[[shifts]]
name = "weekday"
days = "Mon-Fri"
start = "07:00"
end = "15:30"
release = 1
pick = 2
pack = 1
handover = 1

[[shifts]]
name = "Saturday morning"
days = "Sat"
start = "08:00"
end = "12:00"
release = 1
pick = 1
pack = 1
handover = 1

[pickups]
dhl = "17:00"
dpd = "16:30"
ups = "17:30"
"""


@dataclass
class WeekSummary:
    scenario: Path
    warehouse: str
    first_day: date
    days: int
    products: int = 0
    orders: int = 0
    waves: int = 0
    short_picks: int = 0
    restocked_skus: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    scans: ScanSummary = field(default_factory=ScanSummary)
    sample_order_id: str = ""


def write_scenario(directory: Path, *, orders_per_day: float, days: int, until: date) -> Path:
    path = directory / "demo-week.toml"
    start = until - timedelta(days=days)
    path.write_text(SCENARIO.format(path=path, start=start.isoformat(), days=days,
                                    per_day=round(orders_per_day, 1)), encoding="utf-8")
    return path


def _opening_stock(rank: int) -> int:
    """Bestsellers deep, the long tail thin; every 17th article nearly out (backorders)."""
    return 2 if rank % 17 == 0 else max(20, int(900 / rank ** 0.7))


def _restock(engine: Engine) -> int:
    """Mid-week supplier delivery: the short articles get what their orders miss, and more."""
    with transaction(engine, write=True) as conn:
        short = conn.execute(
            select(order_lines.c.sku, func.sum(order_lines.c.quantity - order_lines.c.allocated))
            .where(order_lines.c.allocated < order_lines.c.quantity)
            .group_by(order_lines.c.sku).order_by(order_lines.c.sku)).all()
        for sku, missing in short:
            home = conn.execute(select(stock.c.location).where(stock.c.sku == sku)
                                .order_by(stock.c.id)).scalar()
            stock_ledger.receive(conn, sku=sku, location=str(home), quantity=int(missing) + 20,
                                 reason="supplier delivery PO-4711", actor="goods-receipt")
    return len(short)


def build_week(engine: Engine, directory: Path, *, model: PromiseModel, model_path: Path,
               orders_per_day: float, days: int = 7, until: date | None = None,
               progress: Step | None = None) -> WeekSummary:
    until = until or datetime.now(UTC).date()
    path = write_scenario(directory, orders_per_day=orders_per_day, days=days, until=until)
    scenario: Scenario = load_scenario(path)
    # the warehouse code is the region the promise model knows (its lanes start there)
    site = site_for(scenario, warehouse=origin_region(model, scenario.country) or "BER")
    summary = WeekSummary(path, site.warehouse, scenario.start, days)
    origin = local_origin(scenario)
    clock = SimulatedClock(origin - timedelta(days=1))
    handlers = build_handlers(promise_model_path=str(model_path),
                              capacity_plan_path=str(path))
    products = make_products(scenario.warehouse.skus)
    op = ServiceOperation(engine, site, scenario.policy, clock, handlers=handlers,
                          short_picks=0.01, seed=scenario.seed, catalogue=products,
                          channel="demo-shop")
    codes = location_codes(site.layout)
    slots = sku_slots(codes, scenario.warehouse.skus, scenario.seed)
    op.stock(slots, reserve=[c for c in codes if c not in set(slots)][:40],
             units_of=_opening_stock)
    summary.products = len(products)
    if progress:
        progress("catalogue and stock", 1)
    sim_orders = {o.id: o for o in generate(scenario, codes)}
    restock_at = days * 86400 * 0.45

    def tick(done: float, total: float) -> None:
        if progress:
            progress("the week", done / total)
        nonlocal restock_at
        if done >= restock_at:
            restock_at = float("inf")
            with use_clock(clock):
                summary.restocked_skus = _restock(engine)
            op.drain()

    PeakModel(scenario, op, site, progress=tick).run(iter(sorted(sim_orders.values(),
                                                                 key=lambda o: o.at)))
    op.drain()
    summary.orders = len(op.db_id)
    summary.short_picks = op.shorts
    summary.sample_order_id = next(iter(op.db_id.values()), "")
    by_db = {op.db_id[k]: o for k, o in sim_orders.items() if k in op.db_id}
    desk = PromiseDesk(model, scenario)
    now = datetime.now(UTC)
    summary.scans = feed_scans(engine, desk, by_db, until=now, handlers=handlers,
                               step=(lambda n: progress("carrier scans", n)) if progress
                               else None)
    with engine.connect() as conn:
        summary.statuses = Counter(dict(conn.execute(
            select(orders.c.status, func.count()).group_by(orders.c.status)).all()))
        summary.waves = int(conn.execute(select(func.count()).select_from(waves)).scalar() or 0)
    return summary
