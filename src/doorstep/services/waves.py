"""Waves from the database: release allocated orders, write pick tasks, confirm picks.

The decisions are the picking domain's (``domain.picking.waves.plan_wave`` and
``domain.picking.shortpick.decide_short_pick``); this module reads the candidates from the
order book, applies the decisions to orders, reservations and the stock ledger, and records
every step on the order's timeline.

Short pick: the picker found fewer units than reserved.  The missing units are written off
at that location (an adjustment with reason ``short pick``), the shortfall is re-reserved at
the nearest other locations with free stock, and what nobody holds is backordered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update

from doorstep.adapters.db.picking_tables import pick_tasks, waves
from doorstep.adapters.db.tables import order_lines, orders, products, reservations, stock
from doorstep.domain.carrier_service import carrier_of
from doorstep.domain.cutoffs import cutoff_for
from doorstep.domain.errors import InvalidTransition, InvalidValue, NotFound
from doorstep.domain.ids import new_id
from doorstep.domain.order_states import OrderStatus
from doorstep.domain.picking.batching import Cart
from doorstep.domain.picking.layout import Layout
from doorstep.domain.picking.routing import walk_distance
from doorstep.domain.picking.shortpick import ShortPick, decide_short_pick
from doorstep.domain.picking.waves import OrderLine, WaveOrder, WaveRules, plan_wave
from doorstep.domain.promise.calendar import WorkCalendar, start_day
from doorstep.services import order_flow
from doorstep.services.events import record_event, utcnow
from doorstep.services.promise_service import build_calendars
from doorstep.services.stock_ledger import MoveKind, adjust, log_move, reserve, unreserve


@dataclass(frozen=True)
class WaveSite:
    """Where the wave runs: warehouse, its layout, time zone and working calendar."""

    warehouse: str
    layout: Layout
    timezone: str = "Europe/Berlin"
    country: str = "DE"
    cutoffs: Mapping[str, time] = field(default_factory=dict)  # carrier -> pick-up, over defaults

    def calendar(self, around: datetime) -> WorkCalendar:
        return _warehouse_calendar(self.country, around.year)


@cache
def _warehouse_calendar(country: str, year: int) -> WorkCalendar:
    """Working days from a year before to a year after ``year`` (built once per process)."""
    return build_calendars(country=country, subdiv=None, first_year=year - 1,
                           last_year=year + 1).warehouse


def next_cutoff(site: WaveSite, carrier: str, now: datetime,
                calendar: WorkCalendar) -> datetime:
    """The next hand-over cut-off for ``carrier`` on a working day, as an aware datetime."""
    tz = ZoneInfo(site.timezone)
    cut: time = cutoff_for(carrier, dict(site.cutoffs))
    day = start_day(calendar, now.astimezone(tz).replace(tzinfo=None), cut)
    return datetime.combine(day, cut, tzinfo=tz)


def candidates(conn: Connection, site: WaveSite, now: datetime) -> list[WaveOrder]:
    """Allocated orders of the warehouse whose every reserved unit has a location."""
    cal = site.calendar(now)
    rows = conn.execute(
        select(orders.c.id, orders.c.carrier_service, orders.c.priority, orders.c.accepted_at)
        .where(orders.c.status == OrderStatus.ALLOCATED.value,
               orders.c.warehouse == site.warehouse)
        .order_by(orders.c.accepted_at, orders.c.id)).all()
    if not rows:
        return []
    held = conn.execute(
        select(reservations.c.order_id, reservations.c.sku, reservations.c.quantity,
               reservations.c.location, products.c.weight_g, products.c.length_mm,
               products.c.width_mm, products.c.height_mm)
        .join(products, products.c.sku == reservations.c.sku)
        .where(reservations.c.order_id.in_([r.id for r in rows]))
        .order_by(reservations.c.id)).all()
    lines: dict[str, list[Any]] = {}
    for h in held:
        lines.setdefault(h.order_id, []).append(h)
    result = []
    for r in rows:
        mine = lines.get(r.id, [])
        if not mine:
            continue
        carrier = carrier_of(r.carrier_service)
        cutoff = next_cutoff(site, carrier, now, cal)
        result.append(WaveOrder(
            id=r.id, carrier=carrier, cutoff=cutoff, promised=cutoff.date(),
            priority=r.priority, created_at=r.accepted_at,
            lines=tuple(OrderLine(h.sku, h.quantity, h.location) for h in mine),
            volume=sum(h.quantity * h.length_mm * h.width_mm * h.height_mm / 1e6 for h in mine),
            weight=sum(h.quantity * h.weight_g / 1000 for h in mine)))
    return result


def release_wave(conn: Connection, site: WaveSite, *, now: datetime | None = None,
                 rules: WaveRules | None = None, cart: Cart | None = None,
                 batching: str = "savings", routing: str = "exact",
                 actor: str = "wave-planner",
                 check: Callable[[], None] | None = None) -> dict[str, Any]:
    """Plan and release one wave; returns the wave with its pick lists.

    ``check`` is called before every tour is routed and may raise to stop the planning
    (the API's time budget); nothing is written before the plan is complete.
    """
    now = now or utcnow()
    plan = plan_wave(site.layout, candidates(conn, site, now), now, rules=rules, cart=cart,
                     batching=batching, routing=routing, check=check)
    wave_id = new_id("wave")
    conn.execute(insert(waves).values(
        id=wave_id, warehouse=site.warehouse, created_at=now, created_by=actor,
        batching=batching, routing=routing,
        total_distance=round(sum(p.distance for p in plan.pick_lists), 3),
        decisions=[{"order_id": d.order_id, "released": d.released, "reason": d.reason}
                   for d in plan.decisions]))
    for d in plan.decisions:
        if d.released:
            order_flow.release(conn, d.order_id, actor=actor, wave=wave_id)
    held: dict[tuple[str, str, str], list[Any]] = {}
    for r in conn.execute(select(reservations).where(reservations.c.order_id.in_(
            [d.order_id for d in plan.decisions if d.released]))).all():
        held.setdefault((r.order_id, r.location, r.sku), []).append(r)
    for pick_list in plan.pick_lists:
        for line in pick_list.lines:
            for r in held.pop((line.order_id, line.location, line.sku), []):
                conn.execute(insert(pick_tasks).values(
                    wave_id=wave_id, batch=pick_list.batch, seq=line.seq, tote=line.tote,
                    order_id=line.order_id, reservation_id=r.id, line_id=r.line_id,
                    location=r.location, sku=r.sku, quantity=r.quantity))
    return wave_view(conn, wave_id)


def wave_view(conn: Connection, wave_id: str) -> dict[str, Any]:
    wave = conn.execute(select(waves).where(waves.c.id == wave_id)).first()
    if wave is None:
        raise NotFound("wave", wave_id)
    tasks = conn.execute(select(pick_tasks).where(pick_tasks.c.wave_id == wave_id)
                         .order_by(pick_tasks.c.batch, pick_tasks.c.seq, pick_tasks.c.id)).all()
    lists: dict[int, list[dict[str, Any]]] = {}
    for t in tasks:
        lists.setdefault(t.batch, []).append({
            "task_id": t.id, "seq": t.seq, "location": t.location, "sku": t.sku,
            "quantity": t.quantity, "tote": t.tote, "order_id": t.order_id,
            "status": t.status, "picked": t.picked})
    return {"id": wave.id, "warehouse": wave.warehouse, "created_at": wave.created_at.isoformat(),
            "batching": wave.batching, "routing": wave.routing,
            "total_distance_m": wave.total_distance,
            "released": [d["order_id"] for d in wave.decisions if d["released"]],
            "held": [d for d in wave.decisions if not d["released"]],
            "pick_lists": [{"batch": b, "lines": lines} for b, lines in sorted(lists.items())]}


TASK_CONFIRMABLE = order_flow.PICKABLE | {OrderStatus.BACKORDERED}
"""A short pick backorders its order mid-wave; the order's other tasks stay confirmable."""


def confirm_pick(conn: Connection, site: WaveSite, task_id: int, picked: int, *,
                 actor: str, now: datetime | None = None) -> dict[str, Any]:
    """Confirm one pick task; a short pick re-allocates or backorders the shortfall.

    Lock, then read, then check, then write: the task's order is locked first, the task
    is read under that lock, and its update is guarded by ``status = 'open'`` — of two
    concurrent confirmations exactly one wins; the other gets a 409 naming the task's state.
    """
    now = now or utcnow()
    order_id = conn.execute(select(pick_tasks.c.order_id)
                            .where(pick_tasks.c.id == task_id)).scalar()
    if order_id is None:
        raise NotFound("pick task", str(task_id))
    order_flow.lock_for_picking(conn, order_id, actor=actor, expect=TASK_CONFIRMABLE)
    task = conn.execute(select(pick_tasks).where(pick_tasks.c.id == task_id)).one()
    if task.status != "open":
        raise InvalidTransition(str(task_id), task.status, "picked", subject="pick task")
    if not 0 <= picked <= task.quantity:
        raise InvalidValue("picked", f"{picked} is outside 0..{task.quantity}")
    status = "picked" if picked == task.quantity else "short"
    done = conn.execute(update(pick_tasks).where(pick_tasks.c.id == task_id,
                                                 pick_tasks.c.status == "open").values(
        picked=picked, status=status, confirmed_at=now, confirmed_by=actor))
    if done.rowcount != 1:  # pragma: no cover - the order lock serialises confirmations
        raise InvalidTransition(str(task_id), "confirmed", status, subject="pick task")
    if picked:
        order_flow.take_picked(conn, order_id=task.order_id, line_id=task.line_id,
                               location=task.location, sku=task.sku, quantity=picked,
                               actor=actor, reason=f"wave {task.wave_id}", field="picked",
                               at=now)
    _shrink_reservation(conn, task.reservation_id, task.quantity)
    result: dict[str, Any] = {"task_id": task_id, "status": status, "picked": picked}
    if status == "short":
        result["short"] = _handle_short(conn, site, task, picked, actor=actor, now=now)
    return result


def _shrink_reservation(conn: Connection, reservation_id: int, quantity: int) -> None:
    row = conn.execute(select(reservations.c.quantity)
                       .where(reservations.c.id == reservation_id)).first()
    if row is None:
        return
    if row.quantity <= quantity:
        conn.execute(reservations.delete().where(reservations.c.id == reservation_id))
    else:
        conn.execute(update(reservations).where(reservations.c.id == reservation_id)
                     .values(quantity=reservations.c.quantity - quantity))


def _handle_short(conn: Connection, site: WaveSite, task: Any, picked: int, *, actor: str,
                  now: datetime) -> dict[str, Any]:
    missing = task.quantity - picked
    unreserve(conn, location=task.location, sku=task.sku, quantity=missing)
    adjust(conn, sku=task.sku, location=task.location, delta=-missing,
           reason=f"short pick: {missing} not found", actor=actor)
    others = conn.execute(
        select(stock.c.id, stock.c.location, stock.c.on_hand, stock.c.reserved)
        .where(stock.c.sku == task.sku, stock.c.warehouse == site.warehouse,
               stock.c.location != task.location).order_by(stock.c.id)).all()
    decision = decide_short_pick(
        ShortPick(order_id=task.order_id, sku=task.sku, location=task.location,
                  requested=task.quantity, picked=picked, at=now, by=actor),
        [(o.location, o.on_hand - o.reserved) for o in others],
        lambda a, b: walk_distance(site.layout, a, b))
    ids = {o.location: int(o.id) for o in others}
    next_seq = 1 + max(conn.execute(select(pick_tasks.c.seq).where(
        pick_tasks.c.wave_id == task.wave_id, pick_tasks.c.batch == task.batch)).scalars())
    for n, realloc in enumerate(decision.reallocations):
        if not reserve(conn, ids[realloc.location], realloc.qty):
            raise InvalidValue("location", f"{realloc.location} changed while re-allocating")
        res = conn.execute(insert(reservations).values(
            line_id=task.line_id, order_id=task.order_id, location=realloc.location,
            sku=task.sku, quantity=realloc.qty))
        log_move(conn, MoveKind.RESERVATION, sku=task.sku, location=realloc.location,
                 quantity=realloc.qty, reason="re-allocated after short pick", actor=actor,
                 order_id=task.order_id, line_id=task.line_id)
        assert res.inserted_primary_key is not None
        conn.execute(insert(pick_tasks).values(
            wave_id=task.wave_id, batch=task.batch, seq=next_seq + n, tote=task.tote,
            order_id=task.order_id, reservation_id=int(res.inserted_primary_key[0]),
            line_id=task.line_id, location=realloc.location, sku=task.sku,
            quantity=realloc.qty))
    if decision.backordered:
        conn.execute(update(order_lines).where(order_lines.c.id == task.line_id)
                     .values(allocated=order_lines.c.allocated - decision.backordered))
    data = {k: v for k, v in decision.event.items() if k not in ("type", "order_id", "at", "by")}
    record_event(conn, task.order_id, "pick.short", actor=actor, at=now, data=data)
    if decision.backordered:
        order_flow.backorder(conn, task.order_id, actor=actor,
                             reason=f"{decision.backordered} × {task.sku} short")
    return {"reallocated": [{"location": r.location, "quantity": r.qty}
                            for r in decision.reallocations],
            "backordered": decision.backordered}
