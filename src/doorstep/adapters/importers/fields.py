"""One mapped field: where its value lives, how it is read, what it means.

A field spec is compiled once from the profile and applied to every record::

    raw  = first non-empty of: paths (alternatives) | join of paths | context | const
    raw  = default                        when raw is empty
    text = pattern capture, transform     (strip, upper, lower)
    value = vocabulary[text]              when a vocabulary is named
    value = type conversion               str, int, decimal, bool, datetime, weight,
                                          length, country

Problems never raise: they are appended as :class:`Issue` records (a ReasonCode
value, the field, a message) so that one bad field quarantines its record with a
precise reason instead of aborting an import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element

from doorstep.adapters.importers.countries import normalise_country
from doorstep.adapters.importers.dates import DateError, DateParser
from doorstep.adapters.importers.paths import CompiledPath
from doorstep.adapters.importers.units import (
    UnitError,
    canonical_length_unit,
    canonical_weight_unit,
    parse_number,
    to_grams,
    to_millimetres,
)

__all__ = ["FIELD_TYPES", "FieldSpec", "Issue", "Vocabulary"]

FIELD_TYPES = frozenset(
    {"str", "int", "decimal", "bool", "datetime", "weight", "length", "country", "list"}
)
_TRUE = frozenset({"true", "1", "yes", "y", "ja", "x"})
_FALSE = frozenset({"false", "0", "no", "n", "nein", ""})


@dataclass(frozen=True, slots=True)
class Issue:
    """A finding about one field of one record; ``code`` is a ReasonCode value."""

    code: str
    field: str
    message: str


class Vocabulary:
    """Raw labels to canonical values, with an explicit answer for unknown labels.

    ``prefix_separator`` lets a profile map a family of codes at once: with ``":"``
    the key ``X:SR`` falls back to ``X`` when ``X:SR`` itself has no entry.
    """

    __slots__ = ("case_sensitive", "entries", "memo", "name", "prefix_separator", "unknown")

    def __init__(
        self,
        name: str,
        entries: dict[str, str],
        *,
        unknown: str | None = None,
        case_sensitive: bool = False,
        prefix_separator: str | None = None,
    ) -> None:
        self.name = name
        self.case_sensitive = case_sensitive
        self.entries = entries if case_sensitive else {k.casefold(): v for k, v in entries.items()}
        self.unknown = unknown
        self.prefix_separator = prefix_separator
        self.memo: dict[str, str | None] = {}
        """Labels looked up so far (read it for speed; only ``lookup`` writes it)."""

    def lookup(self, label: str) -> str | None:
        """The canonical value for ``label`` or None when no entry covers it (memoised)."""
        try:
            return self.memo[label]
        except KeyError:
            pass
        found = self._lookup(label)
        if len(self.memo) < 50_000:
            self.memo[label] = found
        return found

    def _lookup(self, label: str) -> str | None:
        key = label if self.case_sensitive else label.casefold()
        found = self.entries.get(key)
        if found is not None or self.prefix_separator is None:
            return found
        sep = self.prefix_separator
        while sep in key:
            key = key.rpartition(sep)[0]
            found = self.entries.get(key)
            if found is not None:
                return found
        return None


class FieldSpec:
    """A compiled field of a profile (see the module docstring for the steps)."""

    __slots__ = (
        "_plain", "const", "context_key", "country_field", "date_parser", "default",
        "from_field", "join_refs", "join_sep", "name", "paths", "pattern", "pattern_optional",
        "required", "single", "skip_if", "transform", "type", "unit", "unit_path", "vocabulary",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        *,
        paths: tuple[CompiledPath, ...] = (),
        join_sep: str | None = None,
        context_key: str | None = None,
        const: Any = None,
        default: Any = None,
        required: bool = False,
        pattern: re.Pattern[str] | None = None,
        transform: str | None = None,
        vocabulary: Vocabulary | None = None,
        type: str = "str",
        unit: str | None = None,
        unit_path: CompiledPath | None = None,
        date_parser: DateParser | None = None,
        country_field: str | None = None,
        skip_if: str | None = None,
        from_field: str | None = None,
        join_refs: tuple[str | None, ...] = (),
        pattern_optional: bool = False,
    ) -> None:
        self.name = name
        self.skip_if = skip_if
        self.from_field = from_field
        self.paths = paths
        self.join_sep = join_sep
        self.context_key = context_key
        self.const = const
        self.default = default
        self.required = required
        self.pattern = pattern
        self.transform = transform
        self.vocabulary = vocabulary
        self.type = type
        self.unit = unit
        self.unit_path = unit_path
        self.date_parser = date_parser
        self.country_field = country_field
        """The earlier field whose value picks the zone of a naive timestamp: a country
        (``timezone: by_country``) or a zone name or abbreviation (``timezone: {field: …}``)."""
        self.join_refs = join_refs if any(r is not None for r in join_refs) else ()
        """Per ``join`` part: an earlier field's name, or None for the next path."""
        self.pattern_optional = pattern_optional
        # Fast paths, decided once: most fields are one path to plain text.
        self.single = (paths[0].one if len(paths) == 1 and join_sep is None and type != "list"
                        and from_field is None else None)
        self._plain = (type == "str" and pattern is None and transform is None
                       and vocabulary is None and skip_if is None)
        """The getter of the field's one path, when it has exactly one (else None)."""

    def plain_getter(self) -> Any:
        """The path getter when this field is one path to plain text, else None."""
        return self.single if self._plain else None

    def raw(self, node: Any, context: dict[str, Any]) -> Any:
        """The raw value before any conversion (None when absent or empty)."""
        if self.single is not None:
            value = self.single(node)
            if value is not None and value != "":
                return value
            if self.context_key is not None:
                value = context.get(self.context_key)
                if value is not None and value != "":
                    return value
            return self.const
        if self.join_sep is not None:
            parts = [p.one(node) for p in self.paths]
            texts = [str(p) for p in parts if p is not None and p != ""]
            return self.join_sep.join(texts) if texts else None
        for path in self.paths:
            value = path.many(node) if self.type == "list" else path.one(node)
            if value is not None and value != "" and value != []:
                return value
        if self.context_key is not None:
            value = context.get(self.context_key)
            if value is not None and value != "":
                return value
        return self.const

    def apply(
        self, node: Any, context: dict[str, Any], values: dict[str, Any], issues: list[Issue]
    ) -> None:
        """Extract this field from ``node`` into ``values``; problems go to ``issues``."""
        name = self.name
        if self.skip_if is not None and values.get(self.skip_if) is not None:
            values[name] = None
            return
        if self.join_refs:  # a join reading earlier fields as well as paths
            self._finish(name, self._joined(node, values), node, values, issues)
            return
        if self.from_field is not None:  # the same raw value as an earlier field
            raw = values.get(self.from_field)
            if raw is None or raw == "":
                raw = self.raw(node, context)
            self._finish(name, raw, node, values, issues)
            return
        single = self.single
        if single is not None:
            raw = single(node)
            if raw is None or raw == "":
                raw = self.raw(node, context)
            elif self._plain and type(raw) is str:
                values[name] = raw
                return
        else:
            raw = self.raw(node, context)
        self._finish(name, raw, node, values, issues)

    def _joined(self, node: Any, values: dict[str, Any]) -> str | None:
        paths = iter(self.paths)
        parts = [values.get(ref) if ref is not None else next(paths).one(node)
                 for ref in self.join_refs]
        texts = [str(p) for p in parts if p is not None and p != ""]
        assert self.join_sep is not None
        return self.join_sep.join(texts) if texts else None

    def _finish(self, name: str, raw: Any, node: Any, values: dict[str, Any],
                issues: list[Issue]) -> None:
        if raw is None:
            raw = self.default
            if raw is None:
                values[name] = None
                if self.required:
                    issues.append(Issue("missing_field", name, f"{name} is missing or empty"))
                return
        if self._plain and type(raw) is str:
            values[name] = raw
            return
        if isinstance(raw, Element):
            values[name] = None
            issues.append(Issue("invalid_value", name, f"{name}: expected text, found <{raw.tag}>"))
            return
        if self.pattern is not None or self.transform is not None or self.vocabulary is not None:
            text = str(raw)
            if self.pattern is not None:
                match = self.pattern.search(text)
                if match is not None:
                    text = match.group(1) if match.lastindex else match.group(0)
                elif not self.pattern_optional:  # optional: a text without it stays whole
                    values[name] = None
                    message = f"{name}: {text!r} does not match {self.pattern.pattern!r}"
                    issues.append(Issue("invalid_value", name, message))
                    return
            if self.transform == "strip":
                text = text.strip()
            elif self.transform == "upper":
                text = text.strip().upper()
            elif self.transform == "lower":
                text = text.strip().lower()
            raw = text
            if self.vocabulary is not None:
                mapped = self.vocabulary.lookup(text)
                if mapped is None:
                    values[name] = self.vocabulary.unknown
                    issues.append(Issue("unknown_vocabulary_value", name,
                                        f"{name}: {text!r} has no entry in vocabulary "
                                        f"{self.vocabulary.name!r}"))
                    return
                raw = mapped
        try:
            values[name] = self.convert(raw, node, values)
        except (UnitError, DateError) as exc:
            values[name] = None
            issues.append(Issue(exc.code, name, f"{name}: {exc}"))
        except (ValueError, ArithmeticError) as exc:
            values[name] = None
            issues.append(Issue("invalid_value", name, f"{name}: {exc}"))

    def convert(self, raw: Any, node: Any, values: dict[str, Any]) -> Any:
        """``raw`` (text after pattern, transform and vocabulary) in the field's type."""
        kind = self.type
        if kind == "str":
            return raw if type(raw) is str else str(raw)
        if kind == "datetime":
            assert self.date_parser is not None
            country = values.get(self.country_field) if self.country_field else None
            return self.date_parser.parse(raw, country)
        if kind == "weight" or kind == "length":
            unit = self.unit_path.one(node) if self.unit_path is not None else None
            if unit is None or unit == "":
                unit = self.unit
            if unit is None:
                raise UnitError("unit_unknown", f"{raw!r} has no unit and the profile sets none")
            if kind == "weight":
                return to_grams(raw, str(unit))
            return to_millimetres(raw, str(unit))
        if kind == "int":
            number = parse_number(raw)
            if number != number.to_integral_value():
                raise ValueError(f"{raw!r} is not a whole number")
            return int(number)
        if kind == "decimal":
            return parse_number(raw) if not isinstance(raw, Decimal) else raw
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError(f"{raw!r} is not a yes/no value")
        if kind == "country":
            code = normalise_country(str(raw))
            if code is None:
                raise _CountryError(f"{raw!r} is not a known country")
            return code
        if kind == "list":
            return raw if isinstance(raw, list) else [raw]
        raise ValueError(f"unknown type {kind!r}")


class _CountryError(UnitError):
    def __init__(self, message: str) -> None:
        super().__init__("invalid_country", message)


def check_unit_label(kind: str, label: str) -> str:
    """Validate a unit named in a profile at load time (raises UnitError)."""
    return canonical_weight_unit(label) if kind == "weight" else canonical_length_unit(label)
