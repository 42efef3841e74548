"""What a JSON body must not contain, checked on the raw bytes before any parser sees it.

Python's ``json`` module accepts three things that later break doorstep in ways a caller
should never be able to cause: nesting deep enough to exhaust the recursion limit (or to
make validation walk a tree for seconds), the non-JSON constants ``NaN``/``Infinity``
(``float('inf')`` reaches the pick planners as a volume), and ``\\ud800``-style escapes of
lone surrogates (the string cannot be encoded as UTF-8, so storing it fails).  Each check
has a fast path that costs one C-level scan of the bytes; the exact (slower) test runs only
when the fast path cannot rule the problem out, so a typical order body pays about a
microsecond.

``json_problem(body, max_depth)`` returns ``None`` for a clean body, else a one-line reason.
Syntax errors are left to the parser (FastAPI answers them as 422 naming the position).
"""

from __future__ import annotations

import json
import re

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def depth_of(body: bytes) -> int:
    """The deepest nesting of objects and arrays (strings skipped), without parsing."""
    if body.count(b"[") + body.count(b"{") <= 1:
        return 1 if (b"[" in body or b"{" in body) else 0
    deepest = depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> float:
    raise ValueError(name)


def _has_constant(body: bytes) -> str | None:
    if b"NaN" not in body and b"Infinity" not in body:
        return None
    try:
        json.loads(body, parse_constant=_refuse_constant)
    except ValueError as exc:
        if str(exc) in ("NaN", "Infinity", "-Infinity"):
            return str(exc)
    return None


def _has_lone_surrogate(body: bytes) -> bool:
    if not _SURROGATE_ESCAPE.search(body):
        return False
    try:
        parsed = json.loads(body)
    except ValueError:
        return False  # a syntax error; the parser reports it with its position
    try:
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def json_problem(body: bytes, max_depth: int) -> str | None:
    """Why ``body`` is refused before parsing, or ``None`` when it may be parsed."""
    if body.count(b"[") + body.count(b"{") > max_depth:
        depth = depth_of(body)
        if depth > max_depth:
            return f"JSON nested {depth} levels deep; at most {max_depth} are accepted"
    constant = _has_constant(body)
    if constant is not None:
        return f"{constant} is not a JSON number; send a finite number"
    if _has_lone_surrogate(body):
        return "a string holds a lone UTF-16 surrogate escape (\\ud800–\\udfff); send valid Unicode"
    return None
