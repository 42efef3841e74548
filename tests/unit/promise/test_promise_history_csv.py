"""History CSV: every unusable row is reported with its line number and reason."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from doorstep.adapters.history_csv import HistoryFormatError, read_history, write_history

FIXTURE = Path(__file__).parents[2] / "fixtures" / "promise" / "history_with_errors.csv"


def test_fixture_rows_are_accepted_or_reported_never_dropped() -> None:
    """Accepted rows plus reported rows account for every data line of the file."""
    data_lines = len(FIXTURE.read_text(encoding="utf-8").splitlines()) - 1
    imported = read_history(FIXTURE)
    assert len(imported.rows) + len(imported.errors) == data_lines


def test_row_errors_name_the_line_and_the_reason() -> None:
    """Delivered-before-shipped, bad timestamps and duplicates each get their own message."""
    errors = {e.line: e.reason for e in read_history(FIXTURE).errors}
    assert "delivered_at: before shipped_at" in errors[6]
    assert "ordered_at: not an ISO 8601 timestamp" in errors[7]
    assert "order_id: duplicate of line 2" in errors[8]
    assert "delivered_at: set but shipped_at is empty" in errors[9]
    assert "dest_country" in errors[10]


def test_empty_outcomes_are_censored_not_errors() -> None:
    """Not shipped / not delivered yet are valid rows with empty timestamps."""
    rows = {r.order_id: r for r in read_history(FIXTURE).rows}
    assert rows["A-3"].delivered_at is None and rows["A-3"].shipped_at is not None
    assert rows["A-4"].shipped_at is None


def test_naive_timestamps_are_read_in_the_warehouse_time_zone() -> None:
    """10:00 without an offset in Berlin in winter is 09:00 UTC."""
    text = ("order_id,ordered_at,shipped_at,delivered_at,carrier,service\n"
            "X,2025-01-10 10:00,,,dhl,paket\n")
    row = read_history(io.StringIO(text), default_timezone="Europe/Berlin").rows[0]
    assert row.ordered_at == datetime(2025, 1, 10, 9, 0, tzinfo=UTC)


def test_unknown_or_missing_columns_stop_the_import() -> None:
    """A misspelt column is an error naming it, not a silently ignored column."""
    with pytest.raises(HistoryFormatError, match="delivred_at"):
        read_history(io.StringIO("order_id,ordered_at,shipped_at,delivred_at,carrier,service\n"))
    with pytest.raises(HistoryFormatError, match="carrier"):
        read_history(io.StringIO("order_id,ordered_at,shipped_at,delivered_at,service\n"))


def test_written_history_reads_back_identically(tmp_path: Path) -> None:
    """write_history and read_history round-trip the accepted rows."""
    rows = read_history(FIXTURE).rows
    write_history(tmp_path / "h.csv", rows)
    assert read_history(tmp_path / "h.csv").rows == rows
