"""Timestamps in declared formats to timezone-aware datetimes.

A profile declares the formats a source writes (``iso8601``, ``epoch_s``,
``epoch_ms`` or any ``strptime`` pattern) and what a timestamp *without* an offset
means: a fixed IANA zone (``Europe/Berlin``), the zone of the country the event
happened in (``by_country``), or nothing — then a naive timestamp is a finding
(``naive_timestamp``), because guessing the zone shifts events by hours.

Failures carry a reason code: ``impossible_date`` when the text is well-formed but
names a day that does not exist (``2026-02-30``), ``date_parse_failed`` when it
matches no declared format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from doorstep.adapters.importers.countries import COUNTRY_ZONES

__all__ = ["BY_COUNTRY", "DateError", "DateParser", "zone"]

BY_COUNTRY = "by_country"
BY_FIELD = "by_field"
"""The zone of a naive timestamp is named by another field: an IANA name, or an
abbreviation the profile maps explicitly (``zones: {EST: "-05:00"}``) — never guessed."""
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_SPECIAL = frozenset({"iso8601", "epoch_s", "epoch_ms"})


class DateError(ValueError):
    """A timestamp cannot be read; ``code`` is a ReasonCode value."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _fixed_or_zone(text: str) -> tzinfo:
    """``"-05:00"`` as a fixed offset, else an IANA zone name; ValueError for neither."""
    fixed = _OFFSET.match(text.strip())
    if fixed:
        sign = -1 if fixed.group(1) == "-" else 1
        return dt_timezone(sign * timedelta(hours=int(fixed.group(2)),
                                            minutes=int(fixed.group(3))))
    try:
        return zone(text.strip())
    except (ZoneInfoNotFoundError, ValueError, KeyError):
        raise ValueError(f"{text!r} is neither a UTC offset (+hh:mm) nor a time zone name"
                         ) from None


@lru_cache(maxsize=256)
def zone(name: str) -> tzinfo:
    """The IANA zone ``name`` (cached; ``UTC`` is the stdlib constant)."""
    if name.upper() == "UTC":
        return UTC
    return ZoneInfo(name)


class DateParser:
    """Parses one field's timestamps; built once per profile field."""

    __slots__ = ("_first", "_iso_only", "_plans", "_zones", "abbreviations", "formats",
                 "naive_zone", "require_offset")

    def __init__(
        self, formats: list[str], *, timezone: str | None = None, require_offset: bool = False,
        abbreviations: dict[str, str] | None = None,
    ) -> None:
        if not formats:
            raise ValueError("at least one date format is required")
        self.abbreviations = {k.upper(): v for k, v in (abbreviations or {}).items()}
        for target in self.abbreviations.values():
            _fixed_or_zone(target)  # raises ValueError for a target that is neither
        if timezone is not None and timezone not in (BY_COUNTRY, BY_FIELD):
            try:
                zone(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {timezone!r}") from None
        for fmt in formats:
            if fmt not in _SPECIAL and "%" not in fmt:
                raise ValueError(
                    f"date format {fmt!r} is neither a strptime pattern nor one of "
                    f"{sorted(_SPECIAL)}"
                )
        self.formats = tuple(formats)
        self._iso_only = self.formats == ("iso8601",)
        self._plans = tuple((fmt, _fast_parser(fmt) if "%Y" in fmt and "%m" in fmt
                             and "%d" in fmt else None) for fmt in formats)
        self._first = self._plans[0][1]
        self._zones: dict[str | None, tzinfo] = {}
        self.naive_zone = timezone
        self.require_offset = require_offset

    def parse(self, value: object, country: str | None = None) -> datetime:
        """Return an aware datetime or raise :class:`DateError`.

        The result keeps the offset the source wrote (a fixed ``timezone``) or the
        declared zone (a ``ZoneInfo``), so validation can still tell the two apart
        and check the offset against the country; call ``.astimezone(UTC)`` to store.
        """
        if type(value) is not str:
            parsed = self._parse_any(value)
        elif self._iso_only:
            try:  # the common case without the format loop
                parsed = datetime.fromisoformat(value)
            except ValueError:
                parsed = self._parse_any(value)
        elif self._first is not None:
            try:  # the first declared format, compiled; the loop decides any failure
                parsed = self._first(value.strip())
            except ValueError:
                parsed = self._parse_any(value)
        else:
            parsed = self._parse_any(value)
        if parsed.tzinfo is None:
            found = self._zones.get(country)
            if found is None:
                found = self._zone_for_naive(value, country)
                if len(self._zones) < 1024:  # a finding raises above and is never kept
                    self._zones[country] = found
            parsed = parsed.replace(tzinfo=found)
        return parsed

    def _zone_for_naive(self, value: object, country: str | None) -> tzinfo:
        if self.require_offset or self.naive_zone is None:
            raise DateError("naive_timestamp", f"{value!r} carries no time zone offset")
        if self.naive_zone == BY_FIELD:
            name = (country or "").strip()
            target = self.abbreviations.get(name.upper(), name)
            try:
                return _fixed_or_zone(target)
            except ValueError:
                raise DateError("naive_timestamp",
                                f"{value!r} carries no offset and its zone {name!r} is neither "
                                "a time zone name nor an abbreviation the profile maps "
                                f"(zones: {sorted(self.abbreviations)})") from None
        if self.naive_zone != BY_COUNTRY:
            return zone(self.naive_zone)
        zones = COUNTRY_ZONES.get(country or "")
        if not zones or len(zones) > 1:
            raise DateError(
                "naive_timestamp",
                f"{value!r} carries no offset and country {country!r} has no single time zone",
            )
        return zone(zones[0])

    def _parse_any(self, value: object) -> datetime:
        if isinstance(value, bool) or value is None:
            raise DateError("date_parse_failed", f"{value!r} is not a timestamp")
        impossible: str | None = None
        for fmt, fast in self._plans:
            try:
                if fast is not None and type(value) is str:
                    return fast(value.strip())
                return _parse_one(value, fmt)
            except DateError as exc:
                if exc.code == "impossible_date":
                    impossible = str(exc)
            except (ValueError, TypeError, OverflowError) as exc:
                if "out of range" in str(exc) or "must be in" in str(exc):
                    impossible = f"{value!r} is not a real date ({exc})"
        if impossible is not None:
            raise DateError("impossible_date", impossible)
        raise DateError(
            "date_parse_failed", f"{value!r} matches none of the formats {list(self.formats)}"
        )


_DIRECTIVES = {
    "%Y": r"(?P<Y>\d{4})", "%m": r"(?P<m>\d{1,2})", "%d": r"(?P<d>\d{1,2})",
    "%H": r"(?P<H>\d{1,2})", "%I": r"(?P<I>\d{1,2})", "%M": r"(?P<M>\d{1,2})",
    "%S": r"(?P<S>\d{1,2})", "%p": r"(?P<p>AM|PM|am|pm)",
}  # fmt: skip


@lru_cache(maxsize=64)
def _fast_pattern(fmt: str) -> re.Pattern[str] | None:
    """A regex for ``fmt`` when it uses only numeric fields, else None."""
    out, index = [], 0
    while index < len(fmt):
        if fmt[index] == "%":
            directive = fmt[index:index + 2]
            if directive not in _DIRECTIVES:
                return None
            out.append(_DIRECTIVES[directive])
            index += 2
        else:
            out.append(re.escape(fmt[index]))
            index += 1
    return re.compile("".join(out) + r"\Z")


@lru_cache(maxsize=64)
def _fast_parser(fmt: str) -> Callable[[str], datetime] | None:
    """A parser for ``fmt`` when it uses only numeric fields (strptime is ~10x slower).

    The regex's groups are found by position, decided once, so a call is one match
    and a few ``int`` conversions; an impossible day fails in ``datetime`` as it would
    in strptime.
    """
    pattern = _fast_pattern(fmt)
    if pattern is None:
        return None
    match = pattern.match
    where = {name: index - 1 for name, index in pattern.groupindex.items()}
    year, month, day = where["Y"], where["m"], where["d"]
    h24, h12, ampm = where.get("H"), where.get("I"), where.get("p")
    minute, second = where.get("M"), where.get("S")

    def parse(text: str) -> datetime:
        found = match(text)
        if found is None:
            raise ValueError(f"{text!r} does not match")
        g = found.groups()
        hour = int(g[h24]) if h24 is not None else 0
        if h12 is not None:
            twelve = int(g[h12])
            pm = ampm is not None and g[ampm].upper() == "PM"
            hour = twelve % 12 + (12 if pm else 0)
            if not 1 <= twelve <= 12:
                raise ValueError("hour out of range")
        return datetime(int(g[year]), int(g[month]), int(g[day]), hour,
                        int(g[minute]) if minute is not None else 0,
                        int(g[second]) if second is not None else 0)

    return parse


def _parse_one(value: object, fmt: str) -> datetime:
    if fmt == "epoch_s" or fmt == "epoch_ms":
        number = float(value) if isinstance(value, int | float | str) else float("nan")
        if number != number:  # NaN
            raise ValueError("not a number")
        seconds = number / 1000 if fmt == "epoch_ms" else number
        return datetime.fromtimestamp(seconds, UTC)
    if not isinstance(value, str):
        raise TypeError("not text")
    text = value.strip()
    if fmt == "iso8601":
        return datetime.fromisoformat(text)
    parser = _fast_parser(fmt) if "%Y" in fmt and "%m" in fmt and "%d" in fmt else None
    if parser is not None:
        return parser(text)
    return datetime.strptime(text, fmt)
