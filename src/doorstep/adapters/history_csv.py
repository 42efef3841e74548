"""Read order history (and orders to promise) from CSV; write promises to CSV.

Schema (header row required, column order free, UTF-8 with or without BOM)::

    order_id       required, unique
    ordered_at     required  ISO 8601 timestamp
    shipped_at     optional  handover to the carrier; empty = not shipped yet
    delivered_at   optional  empty = not delivered yet (censored, not missing)
    carrier        required  e.g. dhl
    service        required  e.g. paket
    origin_country origin_region origin_postcode   optional
    dest_country   dest_region   dest_postcode     optional (dest_country: ISO alpha-2)

Timestamps carry an offset (``2026-11-23T10:00:00+01:00`` or ``…Z``); a timestamp without
one is read in ``default_timezone`` (the warehouse's) — documented, not guessed per row.
Every row that cannot be used is reported with its line number and the reason; the caller
decides whether to stop.  Unknown columns are an error, so a typo never hides a column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from doorstep.domain.promise.engine import DeliveryWindow
from doorstep.domain.promise.history import HistoryRow, row_problems

REQUIRED = ("order_id", "ordered_at", "shipped_at", "delivered_at", "carrier", "service")
OPTIONAL = ("origin_country", "origin_region", "origin_postcode",
            "dest_country", "dest_region", "dest_postcode")
ORDER_TIME_REQUIRED = ("order_id", "ordered_at", "carrier", "service")
PREDICTION_COLUMNS = ("order_id", "promised_date", "earliest_date", "latest_date", "level")


class HistoryFormatError(ValueError):
    """The file as a whole cannot be read (missing or unknown columns, no header)."""


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class HistoryImport:
    rows: list[HistoryRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def parse_timestamp(text: str, default_tz: ZoneInfo) -> datetime:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}") from exc
    if len(value) <= 10:
        raise ValueError(f"needs a time of day, not just a date: {text!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed.astimezone(UTC)


def read_history(
    source: Path | str | io.TextIOBase,
    *,
    default_timezone: str = "Europe/Berlin",
    order_time_only: bool = False,
) -> HistoryImport:
    """Rows and row errors.  ``order_time_only``: orders to promise; outcomes are ignored."""
    if isinstance(source, Path | str):
        with open(source, encoding="utf-8-sig", newline="") as fh:
            return _read(fh, ZoneInfo(default_timezone), order_time_only)
    return _read(source, ZoneInfo(default_timezone), order_time_only)


def _read(fh: Iterable[str], tz: ZoneInfo, order_time_only: bool) -> HistoryImport:
    reader = csv.DictReader(fh)
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise HistoryFormatError("history: empty file, expected a header row")
    reader.fieldnames = header
    needed = ORDER_TIME_REQUIRED if order_time_only else REQUIRED
    missing = [c for c in needed if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        raise HistoryFormatError(
            f"history: {'; '.join(parts)} (expected {', '.join(REQUIRED + OPTIONAL)})"
        )
    out = HistoryImport()
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if None in record:
            out.errors.append(RowError(line, "more fields than header columns"))
            continue
        values = {k: (v or "").strip() for k, v in record.items()}
        try:
            row = _row(values, tz, order_time_only)
        except ValueError as exc:
            out.errors.append(RowError(line, str(exc)))
            continue
        problems = row_problems(row)
        if row.order_id in seen:
            problems.append(f"order_id: duplicate of line {seen[row.order_id]}")
        if problems:
            out.errors.append(RowError(line, "; ".join(problems)))
            continue
        seen[row.order_id] = line
        out.rows.append(row)
    return out


def _row(values: dict[str, str], tz: ZoneInfo, order_time_only: bool) -> HistoryRow:
    def stamp(name: str, required: bool) -> datetime | None:
        text = values.get(name, "")
        if not text:
            if required:
                raise ValueError(f"{name}: empty")
            return None
        try:
            return parse_timestamp(text, tz)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from exc

    ordered = stamp("ordered_at", True)
    assert ordered is not None
    return HistoryRow(
        order_id=values.get("order_id", ""),
        ordered_at=ordered,
        shipped_at=None if order_time_only else stamp("shipped_at", False),
        delivered_at=None if order_time_only else stamp("delivered_at", False),
        carrier=values.get("carrier", "").lower(),
        service=values.get("service", "").lower(),
        origin_country=values.get("origin_country", "").upper(),
        origin_region=values.get("origin_region", ""),
        origin_postcode=values.get("origin_postcode", ""),
        dest_country=values.get("dest_country", "").upper(),
        dest_region=values.get("dest_region", ""),
        dest_postcode=values.get("dest_postcode", ""),
    )


def write_history(path: Path, rows: Iterable[HistoryRow]) -> None:
    """The same schema back out (timestamps in UTC), e.g. for generated histories."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(REQUIRED + OPTIONAL)
        for r in rows:
            writer.writerow([
                r.order_id, r.ordered_at.isoformat(),
                r.shipped_at.isoformat() if r.shipped_at else "",
                r.delivered_at.isoformat() if r.delivered_at else "",
                r.carrier, r.service, r.origin_country, r.origin_region, r.origin_postcode,
                r.dest_country, r.dest_region, r.dest_postcode,
            ])


def write_predictions(path: Path, predictions: Iterable[tuple[str, DeliveryWindow]]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(PREDICTION_COLUMNS)
        for order_id, w in predictions:
            writer.writerow([order_id, w.promised_date.isoformat(), w.earliest_date.isoformat(),
                             w.latest_date.isoformat(), f"{w.level:g}"])
            count += 1
    return count
