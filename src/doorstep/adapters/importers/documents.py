"""Payload text to a document tree (JSON, XML or CSV), telling truncation apart.

A payload cut off in transit is the commonest broken input from webhooks and
polling jobs; it must be held with ``truncated_payload`` and its original text,
not reported as a vague parse error.  A parse failure counts as truncation when
the parser ran out of input (the error sits at the end of the text); any other
syntax error is ``malformed_payload``.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from xml.etree import ElementTree as ET

__all__ = ["CsvDocument", "DocumentError", "parse_document"]


class DocumentError(ValueError):
    """The payload is not a complete document; ``code`` is a ReasonCode value."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class CsvDocument:
    """Rows of a CSV export as dicts, plus the header and short/long row findings.

    ``bad_rows`` maps a row index to ``(reason code, message)``.
    """

    __slots__ = ("bad_rows", "header", "rows")

    def __init__(
        self, header: list[str], rows: list[dict[str, Any]], bad_rows: dict[int, tuple[str, str]]
    ) -> None:
        self.header = header
        self.rows = rows
        self.bad_rows = bad_rows


def _text(payload: str | bytes) -> str:
    if isinstance(payload, bytes):
        try:
            return payload.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            tail = len(payload) - exc.start <= 3
            raise DocumentError(
                "truncated_payload" if tail else "malformed_payload",
                f"payload is not UTF-8 at byte {exc.start}",
            ) from None
    return payload[1:] if payload.startswith("\ufeff") else payload


def parse_document(payload: str | bytes, fmt: str, *, csv_delimiter: str = ",") -> Any:
    """Parse ``payload`` as ``fmt``; raise :class:`DocumentError` with a reason code."""
    text = _text(payload)
    stripped = text.strip()
    if not stripped:
        raise DocumentError("truncated_payload", "payload is empty")
    if fmt == "json":
        return _parse_json(text, stripped)
    if fmt == "xml":
        return _parse_xml(text, stripped)
    if fmt == "csv":
        return _parse_csv(text, csv_delimiter)
    raise DocumentError("malformed_payload", f"unknown document format {fmt!r}")


def _parse_json(text: str, stripped: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at_end = exc.pos >= len(text.rstrip()) - 1
        unbalanced = stripped.count("{") > stripped.count("}") or stripped.count(
            "["
        ) > stripped.count("]")
        if at_end or (unbalanced and "Unterminated" in exc.msg):
            raise DocumentError(
                "truncated_payload", f"JSON ends early (line {exc.lineno}, column {exc.colno})"
            ) from None
        raise DocumentError(
            "malformed_payload", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None


def _parse_xml(text: str, stripped: str) -> Any:
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        line, column = exc.position
        lines = stripped.splitlines() or [""]
        last_line = len(text[: len(text.rstrip())].splitlines())
        at_end = line >= last_line and column >= len(lines[-1]) - 1
        if at_end or exc.code in (3, 5):  # 3 = no element found, 5 = unclosed token
            raise DocumentError(
                "truncated_payload", f"XML ends early (line {line}, column {column})"
            ) from None
        raise DocumentError(
            "malformed_payload", f"invalid XML at line {line}, column {column}: {exc}"
        ) from None


def _parse_csv(text: str, delimiter: str) -> CsvDocument:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise DocumentError("truncated_payload", "CSV has no header row") from None
    except csv.Error as exc:
        raise DocumentError("malformed_payload", f"CSV header: {exc}") from None
    rows: list[dict[str, Any]] = []
    bad: dict[int, tuple[str, str]] = {}
    width = len(header)
    try:
        for line_no, cells in enumerate(reader, start=2):
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            index = len(rows)
            if len(cells) < width:
                bad[index] = (
                    "truncated_payload",
                    f"line {line_no}: {len(cells)} of {width} columns (row cut off)",
                )
                cells = cells + [""] * (width - len(cells))
            elif len(cells) > width:
                bad[index] = (
                    "malformed_payload",
                    f"line {line_no}: {len(cells)} columns, header has {width}",
                )
            rows.append(dict(zip(header, cells, strict=False)))
    except csv.Error as exc:
        raise DocumentError("malformed_payload", f"CSV: {exc}") from None
    return CsvDocument(header, rows, bad)
