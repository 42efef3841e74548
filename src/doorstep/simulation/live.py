"""The real services on a simulated clock: the same scenario, but every step is the service.

:class:`ServiceOperation` is an :class:`~doorstep.simulation.operation.Operation` whose
steps are doorstep's own use cases on a real database, run under
``doorstep.clock.use_clock`` so every stamp (accepted, released, picked, packed, shipped)
is simulated time:

=============  =================================================================
accept         ``services.intake.accept_order`` (then the outbox worker allocates)
release        ``services.waves.release_wave`` — candidates from the order book
picked         ``services.waves.confirm_pick`` per pick task (short picks included)
packed         ``services.order_flow.pack``
shipped        ``services.order_flow.ship`` at the carrier's pick-up
=============  =================================================================

The SimPy model still decides *when* (arrivals, shifts, service times), so a run here and
a run of :class:`~doorstep.simulation.operation.MemoryOperation` differ exactly where the
in-memory model and the services disagree — which the validation test measures.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, select

from doorstep.adapters.db.picking_tables import pick_tasks
from doorstep.adapters.db.tables import orders, shipments
from doorstep.adapters.db.uow import transaction
from doorstep.clock import SimulatedClock, use_clock
from doorstep.demo.catalogue import make_gtin
from doorstep.domain.catalogue import Product
from doorstep.domain.picking.batching import Cart
from doorstep.domain.picking.routing import route
from doorstep.domain.picking.waves import WaveRules
from doorstep.schemas.orders import Address, Customer, OrderIn, OrderLineIn
from doorstep.services import catalogue, order_flow, stock_ledger
from doorstep.services.intake import accept_order
from doorstep.services.outbox import Handler, process_batch
from doorstep.services.waves import WaveSite, confirm_pick, release_wave
from doorstep.simulation.arrivals import SimOrder
from doorstep.simulation.operation import PickJob
from doorstep.simulation.scenario import Policy

CITIES = {"DE": "Berlin", "AT": "Wien", "NL": "Amsterdam", "CH": "Zürich", "FR": "Paris",
          "PL": "Warszawa", "IT": "Roma", "DK": "København", "BE": "Bruxelles",
          "ES": "Madrid"}


def order_in(order: SimOrder, placed_at: datetime, channel: str = "sim",
             products: Mapping[str, Product] | None = None) -> OrderIn:
    """The order as a shop would post it; ``products`` maps the simulation's SKU numbers
    (``SKU-00001``) onto a real catalogue's articles."""
    known = products or {}
    return OrderIn(
        external_id=order.id, channel=channel, placed_at=placed_at,
        customer=Customer(name="Kim Kunde", email=f"{order.id}@example.org"),
        shipping_address=Address(name="Kim Kunde", line1="Hauptstraße 1",
                                 postcode=order.postcode,
                                 city=CITIES.get(order.country, "City"),
                                 country=order.country),
        lines=[OrderLineIn(sku=known[sku].sku if sku in known else sku, quantity=qty,
                           unit_price=Decimal("19.90"),
                           name=known[sku].name if sku in known else None)
               for sku, qty, _ in order.lines],
        carrier_service=order.service, shipping_price=Decimal("4.90"))


class ServiceOperation:
    """The scenario's warehouse on a database, driven through the services."""

    def __init__(self, engine: Engine, site: WaveSite, policy: Policy, clock: SimulatedClock,
                 *, handlers: Mapping[str, Handler] | None = None, short_picks: float = 0.0,
                 seed: int = 1, on_shipped: Callable[[str, str, datetime], None] | None = None,
                 catalogue: Sequence[Product] = (), channel: str = "sim") -> None:
        self.engine = engine
        self.site = site
        self.policy = policy
        self.clock = clock
        self.handlers = handlers
        self.short_picks = short_picks
        self.rng = random.Random(seed)
        self.on_shipped = on_shipped
        self.db_id: dict[str, str] = {}
        self.sim_id: dict[str, str] = {}
        self.shorts = 0
        self.channel = channel
        self.products = {f"SKU-{i:05d}": p for i, p in enumerate(catalogue, start=1)}

    def stock(self, slots: Sequence[str], *, reserve: Sequence[str] = (), units: int = 10_000,
              units_of: Callable[[int], int] | None = None) -> None:
        """Products ``SKU-00001``… (or the catalogue's) at their slots, ``units`` each (or
        ``units_of(rank)``), and a reserve slot each for short picks."""
        with use_clock(self.clock), transaction(self.engine, write=True) as conn:
            catalogue.upsert_warehouse(conn, self.site.warehouse, "Simulated warehouse",
                                       self.site.timezone)
            catalogue.add_locations(conn, self.site.warehouse,
                                    sorted(set(slots) | set(reserve)))
            for i, slot in enumerate(slots, start=1):
                product = self.products.get(f"SKU-{i:05d}") or Product(
                    sku=f"SKU-{i:05d}", gtin=make_gtin(i), name=f"Article {i}", weight_g=500,
                    length_mm=200, width_mm=150, height_mm=100)
                sku = product.sku
                catalogue.upsert_product(conn, product)
                stock_ledger.receive(conn, sku=sku, location=slot,
                                     quantity=units_of(i) if units_of else units,
                                     reason="opening stock", actor="simulation")
                if reserve:
                    spare = max(units_of(i) // 2, 1) if units_of else units
                    stock_ledger.receive(conn, sku=sku, location=reserve[i % len(reserve)],
                                         quantity=spare, reason="opening stock (reserve)",
                                         actor="simulation")
        self.drain()

    def drain(self) -> None:
        with use_clock(self.clock):
            while process_batch(self.engine, limit=200, handlers=self.handlers).handled:
                pass

    def accept(self, order: SimOrder, now: datetime) -> None:
        self.clock.set(now)
        with use_clock(self.clock):
            result = accept_order(self.engine, order_in(order, now, self.channel, self.products),
                                  f"{self.channel}-{order.id}", now=now)
        self.db_id[order.id] = result.order_id
        self.sim_id[result.order_id] = order.id
        self.drain()  # the worker allocates (and promises) right away, as in production

    def release(self, now: datetime, limit: int) -> list[PickJob]:
        self.clock.set(now)
        self.drain()  # the worker has allocated what arrived
        p = self.policy
        with use_clock(self.clock), transaction(self.engine, write=True) as conn:
            wave = release_wave(conn, self.site, now=now,
                                rules=WaveRules(max_orders=limit, at_risk_within=_minutes(
                                    p.at_risk_minutes)),
                                cart=Cart(totes=p.cart_totes), batching=p.batching,
                                routing=p.routing, actor="simulation")
        jobs = []
        for pick_list in wave["pick_lists"]:
            lines = pick_list["lines"]
            order_ids = list(dict.fromkeys(line["order_id"] for line in lines))
            distance = route(self.site.layout, [line["location"] for line in lines],
                             p.routing).distance
            jobs.append(PickJob(id=f"{wave['id']}/{pick_list['batch']}",
                                orders=tuple(self.sim_id[o] for o in order_ids),
                                distance_m=distance, lines=len(lines)))
        return jobs

    def picked(self, job: PickJob, now: datetime, started: datetime) -> list[str]:
        """Confirm the tour's tasks one by one, spread evenly over the time it took (the
        picker scans each line as it is taken, so the book holds real pick times)."""
        wave_id, batch = job.id.rsplit("/", 1)
        first = True
        with use_clock(self.clock):
            while True:
                with self.engine.connect() as conn:
                    open_tasks = conn.execute(
                        select(pick_tasks.c.id, pick_tasks.c.quantity)
                        .where(pick_tasks.c.wave_id == wave_id, pick_tasks.c.batch == int(batch),
                               pick_tasks.c.status == "open")
                        .order_by(pick_tasks.c.seq)).all()
                if not open_tasks:
                    break
                step = (now - started) / len(open_tasks) if first else timedelta(0)
                first = False
                for n, (task_id, qty) in enumerate(open_tasks, start=1):
                    # a short pick re-allocates: those tasks come in another round, at the end
                    at = now if step == timedelta(0) else started + step * n
                    self.clock.set(at)
                    short = self.rng.random() < self.short_picks
                    self.shorts += short
                    with transaction(self.engine, write=True) as conn:
                        confirm_pick(conn, self.site, int(task_id), qty - 1 if short else qty,
                                     actor="picker", now=at)
        self.clock.set(now)
        with self.engine.connect() as conn:
            states = dict(conn.execute(select(orders.c.id, orders.c.status).where(
                orders.c.id.in_([self.db_id[o] for o in job.orders]))).all())
        return [o for o in job.orders if states.get(self.db_id[o]) == "picking"]

    def packed(self, order_id: str, now: datetime) -> None:
        self.clock.set(now)
        with use_clock(self.clock), transaction(self.engine, write=True) as conn:
            order_flow.pack(conn, self.db_id[order_id], actor="packer", carton="M")

    def shipped(self, order_ids: Sequence[str], carrier: str, now: datetime) -> None:
        self.clock.set(now)
        with use_clock(self.clock):
            for order_id in order_ids:
                tracking = f"{carrier.upper()}{self.rng.randrange(10**11, 10**12)}"
                with transaction(self.engine, write=True) as conn:
                    order_flow.ship(conn, self.db_id[order_id], actor="handover",
                                    carrier=carrier, tracking_number=tracking)
                if self.on_shipped is not None:
                    self.on_shipped(self.db_id[order_id], tracking, now)
            self.drain()


def _minutes(m: float) -> timedelta:
    return timedelta(minutes=m)


def backlog_per_hour(engine: Engine, origin: datetime, hours: int) -> list[int]:
    """Orders accepted and not yet handed to a carrier at the end of each hour — from the
    database, i.e. what the real system did."""
    with engine.connect() as conn:
        accepted = [r[0] for r in conn.execute(select(orders.c.accepted_at))]
        shipped = [r[0] for r in conn.execute(select(shipments.c.shipped_at))]
    out = []
    for h in range(1, hours + 1):
        at = origin.timestamp() + h * 3600
        out.append(sum(1 for a in accepted if _ts(a) <= at) - sum(1 for s in shipped
                                                                   if _ts(s) <= at))
    return out


def _ts(value: datetime) -> float:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
