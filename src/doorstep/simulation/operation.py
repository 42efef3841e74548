"""What the simulated people work on: the order book and its waves.

The SimPy model decides *when* things happen (arrivals, shifts, service times, pick-ups);
an :class:`Operation` decides *what* happens — which orders a wave releases, how they are
batched, which are left.  Two implementations share the protocol:

* :class:`MemoryOperation` keeps the order book in memory and calls the picking domain's
  own ``plan_wave`` (release ranking, batching, routing) and the wave service's own
  ``next_cutoff`` — the same functions the real wave release calls, not copies;
* ``doorstep.simulation.live.ServiceOperation`` calls the real services on a database
  (intake, allocation, ``release_wave``, ``confirm_pick``, pack, ship).

The validation test runs both through the same scenario and compares their backlogs.

Speed without changing a decision: the release ranking puts orders of one carrier in
order of age (they share a cut-off and a promised day, and the simulated orders share
a priority), so only each carrier's ``max_orders`` oldest orders can make a wave; the rest
are not handed to ``plan_wave`` at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from doorstep.domain.picking.batching import Cart
from doorstep.domain.picking.layout import Layout
from doorstep.domain.picking.waves import OrderLine, WaveOrder, WaveRules, plan_wave
from doorstep.services.waves import WaveSite, next_cutoff
from doorstep.simulation.arrivals import SimOrder
from doorstep.simulation.scenario import Policy


@dataclass(frozen=True, slots=True)
class PickJob:
    """One cart tour: the orders in its totes, its walking distance and its pick lines."""

    id: str
    orders: tuple[str, ...]
    distance_m: float
    lines: int


class Operation(Protocol):
    def accept(self, order: SimOrder, now: datetime) -> None: ...

    def release(self, now: datetime, limit: int) -> list[PickJob]: ...

    def picked(self, job: PickJob, now: datetime, started: datetime) -> list[str]:
        """Confirm the tour picked from ``started`` to ``now``; returns the orders ready to
        pack (a short pick may hold one)."""
        ...

    def packed(self, order_id: str, now: datetime) -> None: ...

    def shipped(self, order_ids: Sequence[str], carrier: str, now: datetime) -> None: ...


class MemoryOperation:
    """The order book in memory; waves planned by the picking domain itself."""

    def __init__(self, site: WaveSite, policy: Policy) -> None:
        self.site = site
        self.layout: Layout = site.layout
        self.policy = policy
        self.waiting: dict[str, dict[str, SimOrder]] = {}  # carrier -> orders by age
        self.accepted_at: dict[str, datetime] = {}
        self.lines: dict[str, tuple[OrderLine, ...]] = {}  # an order's wave lines, made once
        self.waves = 0

    def accept(self, order: SimOrder, now: datetime) -> None:
        self.waiting.setdefault(order.carrier, {})[order.id] = order
        self.accepted_at[order.id] = now
        self.lines[order.id] = tuple(OrderLine(sku, qty, loc) for sku, qty, loc in order.lines)

    def backlog(self) -> int:
        return sum(len(v) for v in self.waiting.values())

    def release(self, now: datetime, limit: int) -> list[PickJob]:
        if limit <= 0 or not any(self.waiting.values()):
            return []
        calendar = self.site.calendar(now)
        candidates: list[WaveOrder] = []
        by_id: dict[str, SimOrder] = {}
        for carrier, queue in self.waiting.items():
            if not queue:
                continue
            cutoff = next_cutoff(self.site, carrier, now, calendar)
            promised = cutoff.date()
            for order in itertools.islice(queue.values(), limit):
                by_id[order.id] = order
                candidates.append(WaveOrder(
                    id=order.id, carrier=carrier, cutoff=cutoff, promised=promised,
                    priority=0, created_at=self.accepted_at[order.id],
                    lines=self.lines[order.id]))
        p = self.policy
        wave = plan_wave(self.layout, candidates, now,
                         rules=WaveRules(max_orders=limit,
                                         at_risk_within=timedelta(minutes=p.at_risk_minutes)),
                         cart=Cart(totes=p.cart_totes), batching=p.batching, routing=p.routing)
        self.waves += 1
        for d in wave.decisions:
            if d.released:
                order = by_id[d.order_id]
                del self.waiting[order.carrier][order.id]
                del self.lines[order.id]
        return [PickJob(id=f"w{self.waves}-b{pl.batch}", orders=tuple(pl.totes),
                        distance_m=pl.distance, lines=len(pl.lines))
                for pl in wave.pick_lists]

    def picked(self, job: PickJob, now: datetime, started: datetime) -> list[str]:
        return list(job.orders)

    def packed(self, order_id: str, now: datetime) -> None:
        return None

    def shipped(self, order_ids: Sequence[str], carrier: str, now: datetime) -> None:
        for order_id in order_ids:
            self.accepted_at.pop(order_id, None)
