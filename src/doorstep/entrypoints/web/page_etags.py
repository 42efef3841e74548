"""Strong ETags for the customer's tracking page, so a browser's refresh can be a ``304``.

A page is a function of the order's rows, the reader's language, a few settings and the
code that renders it.  Its ETag hashes exactly those::

    validator   customer_view_reads.Validator: newest timeline entry, parcels, status,
                updated_at (every change the page can show moves one of them)
    reader      language, HX-Request
    settings    the shop's name (per channel), the warehouse's time zone, the poll interval
    code        a digest of doorstep's own files (.py, templates, catalogues, static), made
                once per process: a new release with a changed template or view gets new
                ETags even when no order changed

The ETag is strong (RFC 9110 §8.8.1): two responses with the same tag are the same bytes,
because every input of the page is in it.  ``If-None-Match`` is compared the weak way the
RFC asks for (``W/`` ignored, a list or ``*`` allowed).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import babel
import jinja2

import doorstep
from doorstep.services.customer_view_reads import Validator

__all__ = ["code_digest", "if_none_match_hits", "page_etag"]

CODE_SUFFIXES = frozenset({".py", ".html", ".po", ".css", ".js"})


@cache
def code_digest() -> str:
    """A digest of every file of the installed doorstep package that can shape a page,
    and of the libraries that render and format it (read once per process)."""
    root = Path(doorstep.__file__).parent
    digest = hashlib.sha256(
        f"{doorstep.__version__}|{jinja2.__version__}|{babel.__version__}".encode())
    for path in sorted(p for p in root.rglob("*") if p.suffix in CODE_SUFFIXES):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def page_etag(validator: Validator, *, language: str, brand: str, timezone: str,
              poll_seconds: int, htmx: bool) -> str:
    """The quoted strong ETag of the order's page for this reader."""
    parts = (validator.key(), language, brand, timezone, str(poll_seconds),
             "hx" if htmx else "", code_digest())
    return '"' + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32] + '"'


def if_none_match_hits(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak comparison, or ``*``)."""
    if not header:
        return False
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False
