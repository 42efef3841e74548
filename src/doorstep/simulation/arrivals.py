"""Order arrivals: the scenario's intake curve, hour by hour, and the orders it brings.

The rate in a local hour is ::

    orders_per_day × multiplier × weekday share × hourly share × season week × bursts

(weekday shares are scaled to average 1, hourly shares to sum 1, so ``orders_per_day`` is
an average day).  Within an hour the rate is constant, so the count is Poisson and the
times are uniform — an exact non-homogeneous Poisson process for a step-shaped curve.
Each order draws its lines (SKUs by a Zipf curve — a few bestsellers, a long tail — each
at its own slot of the layout), its destination and its carrier service from the mix.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from doorstep.domain.carrier_service import carrier_of
from doorstep.domain.picking.layout import GraphLayout, Layout
from doorstep.simulation.scenario import Intake, Scenario

POSTCODES = {"DE": ("10115", "20095", "80331", "50667", "04109", "79098", "90402", "30159"),
             "AT": ("1010",), "NL": ("1012",), "CH": ("8001",), "FR": ("75001",),
             "PL": ("00-001",), "IT": ("00118",), "DK": ("1050",), "BE": ("1000",),
             "ES": ("28001",)}


@dataclass(frozen=True, slots=True)
class SimOrder:
    """One simulated order; ``at`` is seconds since the scenario's first local midnight."""

    id: str
    at: float
    lines: tuple[tuple[str, int, str], ...]  # (sku, quantity, location)
    service: str
    country: str
    postcode: str

    @property
    def carrier(self) -> str:
        return _carrier(self.service)


@functools.lru_cache(maxsize=256)
def _carrier(service: str) -> str:
    """``carrier_of`` remembered per service text: the model asks for an order's carrier
    about six times and a scenario names a handful of services (a week parsed the same
    three strings 1.1 million times)."""
    return carrier_of(service)


def hourly_rates(scenario: Scenario, intake: Intake | None = None) -> np.ndarray:
    """Expected orders in each local hour of the scenario (length ``days × 24``)."""
    intake = intake or scenario.intake
    weekday = np.asarray(intake.weekday, dtype=float)
    weekday = weekday / weekday.mean()
    hourly = np.asarray(intake.hourly, dtype=float)
    hourly = hourly / hourly.sum()
    rates = np.zeros(scenario.days * 24)
    weeks = sorted(intake.weeks, key=lambda w: w.start)
    for d in range(scenario.days):
        day = scenario.start + timedelta(days=d)
        season = 1.0
        for w in weeks:
            if w.start <= day:
                season = w.multiplier
        base = intake.orders_per_day * intake.multiplier * weekday[day.weekday()] * season
        rates[d * 24:(d + 1) * 24] = base * hourly
    origin = datetime.combine(scenario.start, datetime.min.time())
    for burst in intake.bursts:
        first = (burst.start - origin).total_seconds() / 3600.0
        for h in range(max(0, int(np.floor(first))), len(rates)):
            overlap = min(h + 1, first + burst.hours) - max(h, first)
            if overlap <= 0:
                if h >= first + burst.hours:
                    break
                continue
            rates[h] *= 1.0 + (burst.factor - 1.0) * overlap
    return rates


def location_codes(layout: Layout) -> list[str]:
    """Every pickable location of ``layout`` (front to back, aisle by aisle)."""
    if isinstance(layout, GraphLayout):
        return sorted(layout.locations)
    positions = layout.slots_per_block * layout.blocks
    return [layout.code_for(a, p, side, 1) for a in range(1, layout.aisles + 1)
            for p in range(1, positions + 1) for side in ("left", "right")]


def sku_slots(codes: Sequence[str], skus: int, seed: int) -> list[str]:
    """A slot per SKU, scattered over the layout (random slotting, seeded)."""
    if not codes:
        raise ValueError("layout has no locations")
    perm = np.random.default_rng(seed).permutation(len(codes))
    return [codes[int(perm[i % len(codes)])] for i in range(skus)]


def generate(scenario: Scenario, codes: Sequence[str], *,
             rates: np.ndarray | None = None, seed: int | None = None) -> Iterator[SimOrder]:
    """The scenario's orders in time order (seeded: the same scenario gives the same orders)."""
    rng = np.random.default_rng(scenario.seed if seed is None else seed)
    rates = hourly_rates(scenario) if rates is None else rates
    mix = scenario.orders
    skus = scenario.warehouse.skus
    zipf = 1.0 / np.arange(1, skus + 1) ** 1.05
    zipf /= zipf.sum()
    slots = sku_slots(codes, skus, scenario.seed)
    lines_p = np.asarray(mix.lines, dtype=float) / sum(mix.lines)
    countries = list(mix.countries)
    country_p = np.asarray([mix.countries[c] for c in countries]) / sum(mix.countries.values())
    services = list(mix.services)
    service_p = np.asarray([mix.services[s] for s in services]) / sum(mix.services.values())
    names = [f"SKU-{s + 1:05d}" for s in range(skus)]
    n = 0
    for hour, rate in enumerate(rates):
        count = int(rng.poisson(rate))
        if count == 0:
            continue
        times = np.sort(rng.uniform(hour * 3600.0, (hour + 1) * 3600.0, count)).tolist()
        n_lines = rng.choice(len(lines_p), size=count, p=lines_p) + 1
        sku_draws = rng.choice(skus, size=int(n_lines.sum()), p=zipf).tolist()
        qty = (rng.choice(3, size=int(n_lines.sum()), p=(0.8, 0.15, 0.05)) + 1).tolist()
        dest = rng.choice(len(countries), size=count, p=country_p).tolist()
        serv = rng.choice(len(services), size=count, p=service_p).tolist()
        pc = rng.integers(0, 1 << 30, size=count).tolist()
        k = 0
        for i, lines in enumerate(n_lines.tolist()):  # plain Python numbers from here on
            n += 1
            picked: dict[int, int] = {}
            for _ in range(lines):
                s = sku_draws[k]
                picked[s] = picked.get(s, 0) + qty[k]
                k += 1
            country = countries[dest[i]]
            codes_for = POSTCODES.get(country, ("1000",))
            yield SimOrder(
                id=f"sim-{n:07d}", at=times[i],
                lines=tuple((names[s], q, slots[s]) for s, q in picked.items()),
                service=services[serv[i]], country=country,
                postcode=codes_for[pc[i] % len(codes_for)])


def local_origin(scenario: Scenario) -> datetime:
    """The scenario's first local midnight, as an aware datetime."""
    return datetime.combine(scenario.start, datetime.min.time(), tzinfo=scenario.zone)


def at_local(scenario: Scenario, seconds: float) -> datetime:
    """Local wall-clock time ``seconds`` after the first midnight (DST-correct)."""
    utc = local_origin(scenario).astimezone(UTC) + timedelta(seconds=seconds)
    return utc.astimezone(scenario.zone)

