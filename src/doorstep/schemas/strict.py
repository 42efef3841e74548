"""Field types for request bodies that refuse what the database or the domain cannot use.

A request reaching a route has already passed these, so the failures a stranger could
trigger before — a NUL byte PostgreSQL refuses to store, a lone surrogate UTF-8 cannot
encode, an integer past BIGINT, ``Infinity`` as a cart volume, the year 1 converted to UTC,
a time zone called ``xyz`` — become a 422 naming the field instead of a 500.

``StrictModel`` is the base of request bodies (unknown fields refused).
``CleanLine`` / ``CleanText`` are the validators (one line: no control characters at all;
free text: tab, CR and LF allowed); the aliases below pair them with a length.  Use them
for every string a client sends; use ``BigInt``/``RowId`` for integers that reach a column.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

BIGINT_MAX = 2**63 - 1
EARLIEST_YEAR, LATEST_YEAR = 1970, 2200

_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_WHITESPACE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _valid_unicode(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode (it holds a lone surrogate)") from exc
    return value


def clean_line(value: str) -> str:
    """One line of text: no NUL, no line breaks or other control characters."""
    if _ANY_CONTROL.search(value):
        raise ValueError("must not contain control characters (NUL, tab, line breaks, …)")
    return _valid_unicode(value)


def clean_text(value: str) -> str:
    """Free text: tab, CR and LF allowed; NUL and other control characters are not."""
    if _CONTROL_BUT_WHITESPACE.search(value):
        raise ValueError("must not contain NUL or control characters other than tab and "
                         "line breaks")
    return _valid_unicode(value)


def time_zone(value: str) -> str:
    """An IANA time zone name that this machine's ``zoneinfo`` knows."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as "
                         "Europe/Berlin)") from exc
    return value


def sane_datetime(value: datetime) -> datetime:
    """Time-zone aware and within the years doorstep's calendars can convert."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must carry a time zone (e.g. 2026-11-23T10:00:00+01:00)")
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"year {value.year} is outside {EARLIEST_YEAR}–{LATEST_YEAR}")
    return value


class StrictModel(BaseModel):
    """Base of request bodies: an unknown field is a 422 naming it, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


CleanLine = AfterValidator(clean_line)
CleanText = AfterValidator(clean_text)

#: Names, reasons, actors: one line, 1–200 characters, surrounding blanks removed.
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=200), CleanLine]
#: Actors (until credentials name them): one line, 1–100 characters.
ActorName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=100), CleanLine]
#: Codes and identifiers (SKU, location, carrier, tracking number): one line, 1–64.
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
                 CleanLine]
#: Notes a person writes: several lines, up to 2,000 characters.
Note = Annotated[str, StringConstraints(max_length=2000), CleanText]
#: Any integer a BIGINT column can hold.
BigInt = Annotated[int, Field(ge=-BIGINT_MAX - 1, le=BIGINT_MAX)]
#: A database row id: 1 … 2^63-1.
RowId = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
#: A count of units or things: 1 … 2^63-1.
PositiveCount = Annotated[int, Field(gt=0, le=BIGINT_MAX)]
#: A finite float (JSON has no NaN/Infinity; Python's parser accepts them).
Finite = Annotated[float, Field(allow_inf_nan=False)]
TimeZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64),
                         AfterValidator(time_zone)]
SaneDatetime = Annotated[datetime, AfterValidator(sane_datetime)]
