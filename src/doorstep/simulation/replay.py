"""Rehearse a launch: drive a running doorstep with a scenario's intake curve.

The scenario's orders (``arrivals.generate``: the same curve, bursts and mix the peak
model uses) are sent as real ``POST /v1/orders`` at their scenario times, compressed by
``speed`` (3600 = one scenario hour per second), each with an ``Idempotency-Key`` and, when
given, ``Authorization: Bearer KEY``.  The run is bounded in time and in count, and only
talks to loopback addresses unless ``allow_remote`` — rehearsing against someone's
production by accident must take an explicit flag.

Afterwards it checks the promise that matters at a peak: **every acknowledged order is in
the database exactly once** — through the database URL when given (a count per
``external_id``), otherwise through the API (``GET /v1/orders?channel=…``, paged).  The run
uses its own channel (``replay-<id>``), so earlier runs and real orders do not interfere.

An order is acknowledged when the server answered 201 (or 200 for a replay of the same
key); anything else — 4xx, 5xx, a timeout — is an error and counted by kind.
"""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import httpx
from sqlalchemy import func, select

from doorstep.adapters.db.tables import orders
from doorstep.bootstrap import make_engine
from doorstep.devtools.loadgen import percentile
from doorstep.simulation.arrivals import SimOrder, generate, location_codes
from doorstep.simulation.live import order_in
from doorstep.simulation.runner import layout_for
from doorstep.simulation.scenario import Scenario


class ReplayRefused(ValueError):
    """The target is not loopback and remote targets were not allowed."""


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback
                                   for a in addresses)


@dataclass
class ReplayResult:
    channel: str
    sent: int
    elapsed_s: float
    latencies_s: list[float]
    statuses: Counter[int]
    errors: Counter[str]
    acknowledged: dict[str, str] = field(default_factory=dict)  # external id -> order id
    scenario_hours: float = 0.0
    check: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "channel": self.channel, "sent": self.sent,
            "acknowledged": len(self.acknowledged), "elapsed_s": round(self.elapsed_s, 2),
            "achieved_per_s": round(self.rate, 1),
            "scenario_hours": round(self.scenario_hours, 2),
            "p50_ms": round(percentile(self.latencies_s, 50) * 1000, 1),
            "p99_ms": round(percentile(self.latencies_s, 99) * 1000, 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": dict(self.errors), "exactly_once": self.check,
        }


def planned(scenario: Scenario, *, max_orders: int, max_seconds: float, speed: float
            ) -> list[tuple[float, SimOrder]]:
    """(send offset in real seconds, order) for the orders that fit both bounds."""
    codes = location_codes(layout_for(scenario))
    out: list[tuple[float, SimOrder]] = []
    first: float | None = None
    for order in generate(scenario, codes):
        first = order.at if first is None else first
        offset = (order.at - first) / speed
        if len(out) >= max_orders or offset > max_seconds:
            break
        out.append((offset, order))
    return out


async def _drive(base_url: str, plan: list[tuple[float, SimOrder]], *, channel: str,
                 key: str | None, concurrency: int, timeout: float,
                 on_sent: Callable[[int], None] | None) -> ReplayResult:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    result = ReplayResult(channel, 0, 0.0, [], Counter(), Counter())
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout,
                                 limits=limits) as client:
        began = time.perf_counter()
        now = datetime.now(UTC)

        async def send(offset: float, order: SimOrder) -> None:
            delay = offset - (time.perf_counter() - began)
            if delay > 0:
                await asyncio.sleep(delay)
            body = order_in(order, now + timedelta(seconds=offset), channel=channel)
            body = body.model_copy(update={"external_id": f"{channel}-{order.id}"})
            async with gate:
                start = time.perf_counter()
                try:
                    response = await client.post(
                        "/v1/orders", content=body.model_dump_json(),
                        headers={"Content-Type": "application/json",
                                 "Idempotency-Key": f"{channel}-{order.id}"})
                except httpx.HTTPError as exc:
                    result.errors[type(exc).__name__] += 1
                    result.statuses[0] += 1
                    return
                finally:
                    result.latencies_s.append(time.perf_counter() - start)
                    result.sent += 1
                    if on_sent is not None:
                        on_sent(result.sent)
            result.statuses[response.status_code] += 1
            if response.status_code in (200, 201):
                result.acknowledged[body.external_id] = str(response.json().get("id", ""))
            else:
                result.errors[f"HTTP {response.status_code}"] += 1

        await asyncio.gather(*(send(offset, order) for offset, order in plan))
        result.elapsed_s = time.perf_counter() - began
    return result


def check_via_database(database_url: str, result: ReplayResult) -> dict[str, Any]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(orders.c.external_id, func.count()).where(orders.c.channel == result.channel)
                .group_by(orders.c.external_id)).all()
    finally:
        engine.dispose()
    return _verdict(result, {str(k): int(v) for k, v in rows}, "database")


def check_via_api(base_url: str, key: str | None, result: ReplayResult) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    counts: Counter[str] = Counter()
    cursor: str | None = None
    with httpx.Client(base_url=base_url, headers=headers, timeout=30.0) as client:
        while True:
            params: dict[str, Any] = {"channel": result.channel, "limit": 200}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/v1/orders", params=params)
            page.raise_for_status()
            data = page.json()
            counts.update(str(item["external_id"]) for item in data["items"])
            cursor = data.get("next_cursor")
            if not cursor:
                break
    return _verdict(result, dict(counts), "api")


def _verdict(result: ReplayResult, counts: dict[str, int], via: str) -> dict[str, Any]:
    missing = sorted(e for e in result.acknowledged if counts.get(e, 0) == 0)
    twice = sorted(e for e, n in counts.items() if n > 1)
    unacknowledged = sorted(e for e in counts if e not in result.acknowledged)
    return {"via": via, "acknowledged": len(result.acknowledged), "stored": sum(counts.values()),
            "missing": len(missing), "duplicated": len(twice),
            "stored_without_ack": len(unacknowledged),
            "ok": not missing and not twice, "examples": (missing + twice)[:5]}


def replay(scenario: Scenario, base_url: str, *, key: str | None = None,
           max_orders: int = 1000, max_seconds: float = 60.0, speed: float = 3600.0,
           concurrency: int = 16, timeout: float = 30.0, allow_remote: bool = False,
           database_url: str | None = None,
           on_sent: Callable[[int], None] | None = None) -> ReplayResult:
    """Send the scenario's orders to ``base_url`` and check they are stored exactly once."""
    if not allow_remote and not is_loopback(base_url):
        raise ReplayRefused(f"--url {base_url}: not a loopback address; rehearse against a "
                            "remote server only with --allow-remote")
    plan = planned(scenario, max_orders=max_orders, max_seconds=max_seconds, speed=speed)
    channel = f"replay-{secrets.token_hex(4)}"
    result = asyncio.run(_drive(base_url, plan, channel=channel, key=key,
                                concurrency=concurrency, timeout=timeout, on_sent=on_sent))
    if plan:
        result.scenario_hours = (plan[-1][1].at - plan[0][1].at) / 3600.0
    if database_url:
        result.check = check_via_database(database_url, result)
    else:
        try:
            result.check = check_via_api(base_url, key, result)
        except httpx.HTTPError as exc:  # e.g. a key that may not read orders
            result.check = {"via": "api", "ok": False, "acknowledged": len(result.acknowledged),
                            "missing": None, "duplicated": None,
                            "error": f"cannot list the orders: {exc}"}
    return result
