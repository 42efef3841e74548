"""Time differences computed by the database, per dialect.

Reads that need only how long something took (transit days, hours to the first scan) ask
the database for the number: converting two timestamps per row into timezone-aware Python
datetimes cost more than the rest of those reads together.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func


def hours_between(later: Any, earlier: Any, dialect: str) -> Any:
    """SQL for ``later - earlier`` in hours, as a number (UTC timestamps on both sides;
    SQLite stores them as ISO text, which ``julianday`` reads)."""
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0
