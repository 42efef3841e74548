"""The raw-bytes JSON checks: depth, non-JSON constants and lone surrogates, without false
alarms on brackets, words or escapes inside strings."""

from __future__ import annotations

import json

from doorstep.entrypoints.api.json_guard import depth_of, json_problem


def test_depth_counts_only_structure_not_brackets_inside_strings() -> None:
    body = json.dumps({"a": [1, {"b": "[[[[{{{{ \" ]]"}]}).encode()
    assert depth_of(body) == 3


def test_a_body_deeper_than_the_limit_is_named() -> None:
    reason = json_problem(b"[" * 33 + b"]" * 33, 32)
    assert reason is not None and "33 levels" in reason
    assert json_problem(b"[" * 32 + b"]" * 32, 32) is None


def test_many_siblings_are_not_depth() -> None:
    """An order with 500 lines has 500 objects side by side: depth 3, accepted."""
    body = json.dumps({"lines": [{"sku": f"S{i}"} for i in range(500)]}).encode()
    assert json_problem(body, 32) is None


def test_nan_and_infinity_are_refused_but_the_words_in_strings_are_not() -> None:
    assert json_problem(b'{"volume": Infinity}', 32) is not None
    assert json_problem(b'{"volume": -Infinity}', 32) is not None
    assert json_problem(b'[NaN]', 32) is not None
    assert json_problem(b'{"name": "NaN Infinity"}', 32) is None


def test_lone_surrogates_are_refused_but_pairs_and_escaped_backslashes_pass() -> None:
    assert json_problem(b'{"a": "\\ud800"}', 32) is not None
    assert json_problem(b'{"a": "x\\udfffy"}', 32) is not None
    assert json_problem(b'{"a": "\\ud83d\\ude00"}', 32) is None
    assert json_problem(b'{"a": "\\\\ud800"}', 32) is None  # a backslash, then "ud800"
