"""Each field's ``apply`` compiled for its shape, so the common case costs a few calls.

A field that reads one path to plain text, a vocabulary code, a timestamp or a country
gets a closure with no per-record decisions; every other shape gets a *happy path* that
runs the same steps as ``FieldSpec.apply`` while each succeeds on a non-empty text.
Anything unusual — an absent value, a pattern miss, an unknown label, a conversion
error — calls the general ``apply``, which starts again and records the finding, so the
compiled and the general path can never disagree about a value or an issue.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from doorstep.adapters.importers.countries import normalise_country
from doorstep.adapters.importers.dates import DateError
from doorstep.adapters.importers.fields import FieldSpec, Issue
from doorstep.adapters.importers.units import to_grams

__all__ = ["Apply", "compile_fast_apply"]

Apply = Callable[[Any, dict[str, Any], dict[str, Any], list[Issue]], None]
"""``apply(node, context, values, issues)``: one field of one record into ``values``."""


def compile_fast_apply(spec: FieldSpec) -> Apply:
    """``apply`` specialised for the commonest shapes, falling back to the general path.

    A vocabulary field, a datetime or a country read from one path (or an earlier
    field) resolve in a closure with no per-record decisions; anything unusual —
    missing values, unknown labels, parse errors — takes the general ``apply``, so
    findings are identical.
    """
    general = spec.apply
    if spec.join_refs or spec.pattern_optional:
        return general  # joins of earlier fields and optional patterns: rare, general path
    name, source = spec.name, spec.from_field
    getter = spec.single
    simple = (spec.pattern is None and spec.transform is None and spec.skip_if is None
              and (getter is not None or source is not None))
    if not simple:
        return _happy_path_apply(spec)
    vocab = spec.vocabulary
    read: Callable[[Any], Any] = getter if getter is not None else (lambda node: None)
    if vocab is not None and spec.type == "str":
        cache = vocab.memo

        def vocab_apply(node: Any, context: dict[str, Any], values: dict[str, Any],
                        issues: list[Issue]) -> None:
            raw = values.get(source) if source is not None else read(node)
            mapped = cache.get(raw) if type(raw) is str else None
            if mapped is None:
                general(node, context, values, issues)
            else:
                values[name] = mapped

        return vocab_apply
    if vocab is None and spec.type == "datetime" and source is None and getter is not None:
        parse = spec.date_parser.parse if spec.date_parser is not None else None
        country_field = spec.country_field
        assert parse is not None

        def datetime_apply(node: Any, context: dict[str, Any], values: dict[str, Any],
                           issues: list[Issue]) -> None:
            raw = getter(node)
            if type(raw) is str and raw:
                try:
                    values[name] = parse(raw, values.get(country_field)
                                         if country_field else None)
                    return
                except DateError:
                    pass
            general(node, context, values, issues)

        return datetime_apply
    if vocab is None and spec.type == "country" and source is None and getter is not None:

        def country_apply(node: Any, context: dict[str, Any], values: dict[str, Any],
                          issues: list[Issue]) -> None:
            raw = getter(node)
            code = _country(raw) if type(raw) is str and raw else None
            if code is None:
                general(node, context, values, issues)
            else:
                values[name] = code

        return country_apply
    return _happy_path_apply(spec)


def _happy_path_apply(spec: FieldSpec) -> Apply:
    """Any other shape: the steps of ``apply`` for a non-empty text, nothing else.

    Joined paths, alternatives, patterns, transforms, vocabularies and conversions
    run inline when every step succeeds; whatever does not (an absent value, a
    pattern miss, an unknown label, a conversion error) hands the field to the
    general ``apply``, which starts again and records the finding.
    """
    general = spec.apply
    if spec.type == "list":
        return general
    name, source, sep, skip_if = spec.name, spec.from_field, spec.join_sep, spec.skip_if
    paths = tuple(p.one for p in spec.paths)
    single = spec.single
    pattern = spec.pattern.search if spec.pattern is not None else None
    transform = spec.transform
    lookup = spec.vocabulary.lookup if spec.vocabulary is not None else None
    convert = _fast_converter(spec)

    def read(node: Any, values: dict[str, Any]) -> Any:
        if source is not None:
            return values.get(source)
        if single is not None:
            return single(node)
        if sep is not None:
            texts = []
            for one in paths:
                part = one(node)
                if type(part) is str:
                    if part:
                        texts.append(part)
                elif part is not None:
                    return None  # an element or number: the general path decides
            return sep.join(texts) if texts else None
        for one in paths:
            value = one(node)
            if value is not None and value != "":
                return value
        return None

    def happy_apply(node: Any, context: dict[str, Any], values: dict[str, Any],
                    issues: list[Issue]) -> None:
        if skip_if is not None and values.get(skip_if) is not None:
            values[name] = None
            return
        raw = read(node, values)
        if type(raw) is not str or not raw:
            general(node, context, values, issues)
            return
        if pattern is not None:
            match = pattern(raw)
            if match is None:
                general(node, context, values, issues)
                return
            raw = match.group(1) if match.lastindex else match.group(0)
        if transform == "strip":
            raw = raw.strip()
        elif transform == "upper":
            raw = raw.strip().upper()
        elif transform == "lower":
            raw = raw.strip().lower()
        if lookup is not None:
            raw = lookup(raw)
            if raw is None:
                general(node, context, values, issues)
                return
        if convert is None:
            values[name] = raw
            return
        try:
            value = convert(raw, node, values)
        except (ValueError, ArithmeticError):
            value = None
        if value is None:
            general(node, context, values, issues)
        else:
            values[name] = value

    return happy_apply


def _fast_converter(spec: FieldSpec) -> Callable[[str, Any, dict[str, Any]], Any] | None:
    """The type conversion for a text value (None: the text itself); None result or
    an exception means "let the general path report it"."""
    kind = spec.type
    if kind == "str":
        return None
    if kind == "country":
        return lambda raw, node, values: _country(raw)
    if kind == "datetime" and spec.date_parser is not None:
        parse = spec.date_parser.parse
        country_field = spec.country_field
        if country_field is None:
            return lambda raw, node, values: parse(raw, None)
        return lambda raw, node, values: parse(raw, values.get(country_field))
    if kind == "weight":
        unit_path, default_unit = spec.unit_path, spec.unit

        def weight(raw: str, node: Any, values: dict[str, Any]) -> Any:
            unit = unit_path.one(node) if unit_path is not None else None
            if unit is None or unit == "":
                unit = default_unit
            return None if unit is None else _grams(raw, str(unit))

        return weight
    return spec.convert


@lru_cache(maxsize=4096)
def _country(text: str) -> str | None:
    return normalise_country(text)


@lru_cache(maxsize=16384)
def _grams(text: str, unit: str) -> int:
    """``to_grams`` for text, memoised: a feed repeats its parcels' weights."""
    return to_grams(text, unit)
