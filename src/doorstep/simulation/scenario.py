"""A peak scenario from TOML: what arrives, who works, how the warehouse plans, who collects.

Every section is optional except ``[scenario]`` and at least one ``[[shifts]]``; anything
unusable stops with :class:`ScenarioError` naming the field (``intake.bursts[1].factor:
must be > 0``).  A full example with every key is ``examples/peak/launch.toml``::

    [scenario]   name, start (first local day), days, seed, timezone, country
    [intake]     orders_per_day, multiplier, weekday (7 shares), hourly (24 shares),
                 from_database (learn the curve from the order book), [[intake.bursts]]
                 (start, hours, factor), [[intake.weeks]] (start, multiplier)
    [orders]     lines (shares of 1, 2, 3 … lines), countries, services (shares)
    [warehouse]  layout ("demo" or a layout file), skus, totes, pack_stations
    [policy]     wave_every_minutes, max_orders, batching, routing, cart_totes,
                 at_risk_minutes
    [rates]      fallback service times (see ``domain.staffing.StationRates``)
    [[shifts]]   days, start, end, release, pick, pack, handover
    closed       dates the warehouse is shut
    [pickups]    carrier = "HH:MM" (the carrier's pick-up; its cut-off)
    [promise]    model (a fitted promise model file; none: fitted on synthetic history),
                 level
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from doorstep.domain.cutoffs import DEFAULT_CUTOFFS
from doorstep.domain.picking.batching import BATCH_METHODS
from doorstep.domain.picking.routing import METHODS as ROUTING_METHODS
from doorstep.domain.promise.calendar import parse_weekdays
from doorstep.domain.staffing import STATIONS, Shift, StaffingError, StaffPlan, StationRates


class ScenarioError(ValueError):
    """The scenario cannot be used; the message names the field and the reason."""


@dataclass(frozen=True)
class Burst:
    start: datetime  # local wall-clock time (naive)
    hours: float
    factor: float


@dataclass(frozen=True)
class SeasonWeek:
    start: date
    multiplier: float


@dataclass(frozen=True)
class Intake:
    orders_per_day: float = 300.0
    multiplier: float = 1.0
    weekday: tuple[float, ...] = (1.15, 1.05, 1.0, 1.0, 0.95, 0.85, 1.0)
    hourly: tuple[float, ...] = (1, .5, .3, .2, .2, .3, .6, 1.2, 2, 2.6, 3, 3, 3, 3, 3, 3, 3.2,
                                 3.5, 4, 4.5, 5, 4.5, 3, 2)
    from_database: bool = False
    bursts: tuple[Burst, ...] = ()
    weeks: tuple[SeasonWeek, ...] = ()


@dataclass(frozen=True)
class OrderMix:
    lines: tuple[float, ...] = (55, 28, 12, 5)
    countries: Mapping[str, float] = field(default_factory=lambda: {
        "DE": 86, "AT": 4, "NL": 3, "CH": 2, "FR": 2, "PL": 1, "IT": 1, "DK": 1})
    services: Mapping[str, float] = field(default_factory=lambda: {
        "dhl:paket": 55, "dpd:classic": 30, "ups:standard": 15})


@dataclass(frozen=True)
class Warehouse:
    layout: str = "demo"
    skus: int = 800
    totes: int = 160
    pack_stations: int = 4


@dataclass(frozen=True)
class Policy:
    wave_every_minutes: float = 20.0
    max_orders: int = 40
    batching: str = "savings"
    routing: str = "exact"
    cart_totes: int = 8
    at_risk_minutes: float = 120.0


@dataclass(frozen=True)
class Scenario:
    name: str
    start: date
    days: int
    shifts: tuple[Shift, ...]
    seed: int = 1
    timezone: str = "Europe/Berlin"
    country: str = "DE"
    intake: Intake = field(default_factory=Intake)
    orders: OrderMix = field(default_factory=OrderMix)
    warehouse: Warehouse = field(default_factory=Warehouse)
    policy: Policy = field(default_factory=Policy)
    rates: StationRates = field(default_factory=StationRates)
    closed: frozenset[date] = frozenset()
    pickups: Mapping[str, time] = field(default_factory=lambda: dict(DEFAULT_CUTOFFS))
    promise_model: str = ""
    promise_level: float = 0.95
    source: str = ""  # the file it came from (for messages and reports)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def staff_plan(self, added: Mapping[str, int] | None = None) -> StaffPlan:
        plan = StaffPlan(self.shifts, self.closed)
        return plan.with_added(added) if added else plan

    def with_seed(self, seed: int) -> Scenario:
        return replace(self, seed=seed)

    def carriers(self) -> tuple[str, ...]:
        return tuple(sorted({s.split(":", 1)[0] for s in self.orders.services}))


T = TypeVar("T")

# ---- reading --------------------------------------------------------------------------


def _read(path: Path, parse: Callable[[Mapping[str, Any]], T]) -> T:
    """``parse`` of the TOML file at ``path``; every error names the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc})") from exc
    try:
        return parse(data)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from exc


def load_scenario(path: Path | str) -> Scenario:
    path = Path(path)
    return replace(_read(path, parse_scenario), source=str(path))


_TOP = {"scenario", "intake", "orders", "warehouse", "policy", "rates", "shifts", "closed",
        "pickups", "promise"}


def parse_scenario(data: Mapping[str, Any]) -> Scenario:
    _no_unknown(data, _TOP, "")
    head = _table(data, "scenario", required=True)
    _no_unknown(head, {"name", "start", "days", "seed", "timezone", "country"}, "scenario")
    tz = _str(head, "timezone", "scenario", "Europe/Berlin")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScenarioError(f"scenario.timezone: unknown time zone {tz!r}") from exc
    days = _int(head, "days", "scenario", 7)
    if not 1 <= days <= 400:
        raise ScenarioError(f"scenario.days: must be 1..400, got {days}")
    staff, rates = parse_staffing(data)
    promise = _table(data, "promise")
    _no_unknown(promise, {"model", "level"}, "promise")
    level = _float(promise, "level", "promise", 0.95)
    if not 0.5 <= level < 1:
        raise ScenarioError(f"promise.level: must be in [0.5, 1), got {level}")
    return Scenario(
        name=_str(head, "name", "scenario", "peak"),
        start=_date(head, "start", "scenario", required=True),
        days=days,
        seed=_int(head, "seed", "scenario", 1),
        timezone=tz,
        country=_str(head, "country", "scenario", "DE").upper(),
        intake=_intake(_table(data, "intake")),
        orders=_orders(_table(data, "orders")),
        warehouse=_warehouse(_table(data, "warehouse")),
        policy=_policy(_table(data, "policy")),
        rates=rates,
        shifts=staff.shifts,
        closed=staff.closed,
        pickups=_pickups(_table(data, "pickups")),
        promise_model=_str(promise, "model", "promise", ""),
        promise_level=level,
    )


STAFFING_KEYS = {"shifts", "closed", "rates"}


def parse_staffing(data: Mapping[str, Any]) -> tuple[StaffPlan, StationRates]:
    """The staffing part of a scenario (``[[shifts]]``, ``closed``, ``[rates]``); other
    tables are ignored, so a scenario file serves as the promise engine's plan file."""
    shifts_raw = data.get("shifts")
    if not isinstance(shifts_raw, list) or not shifts_raw:
        raise ScenarioError("shifts: at least one [[shifts]] table is required")
    shifts = tuple(_shift(s, f"shifts[{i}]") for i, s in enumerate(shifts_raw))
    closed = frozenset(_as_date(v, f"closed[{i}]")
                       for i, v in enumerate(_list(data, "closed", "")))
    return StaffPlan(shifts, closed), _rates(_table(data, "rates"))


def load_staff_plan(path: Path | str) -> tuple[StaffPlan, StationRates]:
    """Read a staffing plan file (or a scenario file) for the promise engine."""
    return _read(Path(path), parse_staffing)


def _intake(t: Mapping[str, Any]) -> Intake:
    _no_unknown(t, {f.name for f in fields(Intake)}, "intake")
    d = Intake()
    weekday = _floats(t, "weekday", "intake", d.weekday, length=7)
    hourly = _floats(t, "hourly", "intake", d.hourly, length=24)
    bursts = []
    for i, b in enumerate(_list(t, "bursts", "intake")):
        where = f"intake.bursts[{i}]"
        _no_unknown(b, {"start", "hours", "factor"}, where)
        bursts.append(Burst(_datetime(b, "start", where), _positive(b, "hours", where, 1.0),
                            _positive(b, "factor", where, 1.0)))
    weeks = []
    for i, w in enumerate(_list(t, "weeks", "intake")):
        where = f"intake.weeks[{i}]"
        _no_unknown(w, {"start", "multiplier"}, where)
        weeks.append(SeasonWeek(_date(w, "start", where, required=True),
                                _non_negative(w, "multiplier", where, 1.0)))
    return Intake(orders_per_day=_non_negative(t, "orders_per_day", "intake", d.orders_per_day),
                  multiplier=_non_negative(t, "multiplier", "intake", d.multiplier),
                  weekday=weekday, hourly=hourly,
                  from_database=_bool(t, "from_database", "intake", False),
                  bursts=tuple(bursts), weeks=tuple(weeks))


def _orders(t: Mapping[str, Any]) -> OrderMix:
    _no_unknown(t, {"lines", "countries", "services"}, "orders")
    d = OrderMix()
    services = _shares(t, "services", "orders", d.services)
    for name in services:
        if ":" not in name:
            raise ScenarioError(f"orders.services: {name!r} must be carrier:service "
                                "(e.g. dhl:paket)")
    return OrderMix(lines=_floats(t, "lines", "orders", d.lines),
                    countries={k.upper(): v for k, v in
                               _shares(t, "countries", "orders", d.countries).items()},
                    services=services)


def _warehouse(t: Mapping[str, Any]) -> Warehouse:
    _no_unknown(t, {f.name for f in fields(Warehouse)}, "warehouse")
    d = Warehouse()
    return Warehouse(layout=_str(t, "layout", "warehouse", d.layout),
                     skus=_positive_int(t, "skus", "warehouse", d.skus),
                     totes=_positive_int(t, "totes", "warehouse", d.totes),
                     pack_stations=_positive_int(t, "pack_stations", "warehouse",
                                                 d.pack_stations))


def _policy(t: Mapping[str, Any]) -> Policy:
    _no_unknown(t, {f.name for f in fields(Policy)}, "policy")
    d = Policy()
    batching = _str(t, "batching", "policy", d.batching)
    if batching not in BATCH_METHODS:
        raise ScenarioError(f"policy.batching: {batching!r} is not one of {BATCH_METHODS}")
    routing = _str(t, "routing", "policy", d.routing)
    if routing not in ROUTING_METHODS:
        raise ScenarioError(f"policy.routing: {routing!r} is not one of {ROUTING_METHODS}")
    return Policy(wave_every_minutes=_positive(t, "wave_every_minutes", "policy",
                                               d.wave_every_minutes),
                  max_orders=_positive_int(t, "max_orders", "policy", d.max_orders),
                  batching=batching, routing=routing,
                  cart_totes=_positive_int(t, "cart_totes", "policy", d.cart_totes),
                  at_risk_minutes=_non_negative(t, "at_risk_minutes", "policy",
                                                d.at_risk_minutes))


def _rates(t: Mapping[str, Any]) -> StationRates:
    names = {f.name for f in fields(StationRates)}
    _no_unknown(t, names, "rates")
    return StationRates(**{k: (_non_negative if k == "variation" else _positive)(
        t, k, "rates", 1.0) for k in t})


def _shift(raw: Any, where: str) -> Shift:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: must be a table")
    _no_unknown(raw, {"name", "days", "start", "end", *STATIONS}, where)
    try:
        days = parse_weekdays(_str(raw, "days", where, "Mon-Fri"))
    except ValueError as exc:
        raise ScenarioError(f"{where}.days: {exc}") from exc
    staff = {st: _int(raw, st, where, 0) for st in STATIONS if st in raw}
    try:
        return Shift(days=days, start=_time(raw, "start", where), end=_time(raw, "end", where),
                     staff=staff, name=_str(raw, "name", where, ""))
    except StaffingError as exc:
        raise ScenarioError(f"{where}: {exc}") from exc


def _pickups(t: Mapping[str, Any]) -> dict[str, time]:
    out = dict(DEFAULT_CUTOFFS)
    for carrier in t:
        out[carrier.lower()] = _time(t, carrier, "pickups")
    return out


# ---- small typed readers; each names the field it complains about ----------------------


def _name(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _no_unknown(t: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(t) - allowed)
    if unknown:
        raise ScenarioError(f"{_name(where, unknown[0])}: unknown key "
                            f"(allowed: {', '.join(sorted(allowed))})")


def _table(t: Mapping[str, Any], key: str, *, required: bool = False) -> Mapping[str, Any]:
    value = t.get(key)
    if value is None:
        if required:
            raise ScenarioError(f"{key}: the [{key}] table is required")
        return {}
    if not isinstance(value, dict):
        raise ScenarioError(f"{key}: must be a table")
    return value


def _list(t: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = t.get(key, [])
    if not isinstance(value, list):
        raise ScenarioError(f"{_name(where, key)}: must be a list")
    return value


def _str(t: Mapping[str, Any], key: str, where: str, default: str) -> str:
    value = t.get(key, default)
    if not isinstance(value, str):
        raise ScenarioError(f"{_name(where, key)}: must be text, got {value!r}")
    return value


def _bool(t: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = t.get(key, default)
    if not isinstance(value, bool):
        raise ScenarioError(f"{_name(where, key)}: must be true or false, got {value!r}")
    return value


def _int(t: Mapping[str, Any], key: str, where: str, default: int) -> int:
    value = t.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"{_name(where, key)}: must be a whole number, got {value!r}")
    return value


def _positive_int(t: Mapping[str, Any], key: str, where: str, default: int) -> int:
    value = _int(t, key, where, default)
    if value <= 0:
        raise ScenarioError(f"{_name(where, key)}: must be > 0, got {value}")
    return value


def _float(t: Mapping[str, Any], key: str, where: str, default: float) -> float:
    value = t.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{_name(where, key)}: must be a number, got {value!r}")
    return float(value)


def _positive(t: Mapping[str, Any], key: str, where: str, default: float) -> float:
    value = _float(t, key, where, default)
    if value <= 0:
        raise ScenarioError(f"{_name(where, key)}: must be > 0, got {value}")
    return value


def _non_negative(t: Mapping[str, Any], key: str, where: str, default: float) -> float:
    value = _float(t, key, where, default)
    if value < 0:
        raise ScenarioError(f"{_name(where, key)}: must be >= 0, got {value}")
    return value


def _floats(t: Mapping[str, Any], key: str, where: str, default: tuple[float, ...], *,
            length: int | None = None) -> tuple[float, ...]:
    value = t.get(key)
    if value is None:
        return default
    if not isinstance(value, list) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in value):
        raise ScenarioError(f"{_name(where, key)}: must be a list of numbers >= 0")
    if length is not None and len(value) != length:
        raise ScenarioError(f"{_name(where, key)}: needs {length} numbers, got {len(value)}")
    if not any(value):
        raise ScenarioError(f"{_name(where, key)}: at least one share must be > 0")
    return tuple(float(v) for v in value)


def _shares(t: Mapping[str, Any], key: str, where: str,
            default: Mapping[str, float]) -> dict[str, float]:
    value = t.get(key)
    if value is None:
        return dict(default)
    if not isinstance(value, dict) or not value:
        raise ScenarioError(f"{_name(where, key)}: must be a table of name = share")
    out = {}
    for name, share in value.items():
        if isinstance(share, bool) or not isinstance(share, int | float) or share < 0:
            raise ScenarioError(f"{_name(where, key)}.{name}: must be a number >= 0")
        out[str(name)] = float(share)
    if not any(out.values()):
        raise ScenarioError(f"{_name(where, key)}: at least one share must be > 0")
    return out


def _as_date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ScenarioError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from exc
    raise ScenarioError(f"{where}: must be a date (YYYY-MM-DD), got {value!r}")


def _date(t: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> date:
    if key not in t:
        if required:
            raise ScenarioError(f"{_name(where, key)}: required (a date, YYYY-MM-DD)")
        return date.today()
    return _as_date(t[key], _name(where, key))


def _datetime(t: Mapping[str, Any], key: str, where: str) -> datetime:
    value = t.get(key)
    name = _name(where, key)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).replace(tzinfo=None)
        except ValueError as exc:
            raise ScenarioError(f"{name}: {value!r} is not a local time "
                                "(YYYY-MM-DDTHH:MM)") from exc
    raise ScenarioError(f"{name}: required, a local time like 2026-11-27T10:00")


def _time(t: Mapping[str, Any], key: str, where: str) -> time:
    value = t.get(key)
    name = _name(where, key)
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError as exc:
            raise ScenarioError(f"{name}: {value!r} is not a time (HH:MM)") from exc
    raise ScenarioError(f"{name}: required, a time like \"06:00\"")
