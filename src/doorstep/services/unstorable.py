"""Orders the database refuses: which failures are the record's fault, and where it lies.

A group commit stores many orders in one transaction, so one order the database cannot
store (a NUL byte in a text on PostgreSQL, a number beyond the column's range, a lone
surrogate that cannot be encoded as UTF-8, a CHECK constraint) would fail all its
neighbours.  Intake therefore tells two kinds of failure apart:

    the record's fault  IntegrityError, DataError, ValueError (UnicodeError), ArithmeticError
                        → that order alone gets ``UnstorableOrder`` (422, naming the field)
    an outage           OperationalError, InterfaceError, a dropped connection
                        → every waiting order learns it; nobody is blamed

Anything else (a ``ProgrammingError`` such as a missing table) is the server's fault: it is
reported to the order it happened to, as itself, never as the client's mistake.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    StatementError,
)

from doorstep.domain.errors import InvalidValue

# What a record can do wrong that only the database notices.
RECORD_FAULTS: tuple[type[BaseException], ...] = (
    IntegrityError, DataError, ValueError, ArithmeticError)

INT32 = (-(2 ** 31), 2 ** 31 - 1)  # the narrowest integer column intake writes


def is_outage(exc: BaseException) -> bool:
    """The database (or the way to it) failed, not the data: no order is to blame."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (OperationalError, InterfaceError))


def is_record_fault(exc: BaseException) -> bool:
    if isinstance(exc, StatementError) and not isinstance(exc, DBAPIError) and exc.orig:
        exc = exc.orig  # a value the column type refused to bind, before any SQL was sent
    return isinstance(exc, RECORD_FAULTS) and not is_outage(exc)


class UnstorableOrder(InvalidValue):
    """The database refused this order; ``field`` is where the offending value is, if known."""

    @classmethod
    def of(cls, body: Any, exc: BaseException) -> UnstorableOrder:
        for field, reason in _suspects(body, ""):
            return cls(field, reason)
        return cls("body", f"the database refused to store this order ({type(exc).__name__})")


def _suspects(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Values the databases are known to refuse, with their dotted field paths."""
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _suspects(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for n, item in enumerate(value):
            yield from _suspects(item, f"{path}.{n}" if path else str(n))
    elif isinstance(value, str):
        if "\x00" in value:
            yield path, "contains a NUL character, which cannot be stored"
        elif any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
            yield path, "contains a lone surrogate, which is not valid Unicode text"
    elif (isinstance(value, int) and not isinstance(value, bool)
          and not INT32[0] <= value <= INT32[1]):
        yield path, f"is outside the range that can be stored ({INT32[0]}..{INT32[1]})"


__all__ = ["RECORD_FAULTS", "UnstorableOrder", "is_outage", "is_record_fault"]
