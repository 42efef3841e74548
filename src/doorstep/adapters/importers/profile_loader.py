"""Profile files (YAML or TOML) to a compiled :class:`Profile`, with precise errors.

Every mistake in a profile is reported as ``file:line: key.path: what is wrong``
so that a merchant writing their own profile can fix it without reading Python.
Unknown keys are errors too: a typo such as ``fromats`` must not be ignored.
The schema is documented in ``docs/profiles.md``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from doorstep.adapters.importers.dates import BY_FIELD, DateParser
from doorstep.adapters.importers.fields import FIELD_TYPES, FieldSpec, Vocabulary, check_unit_label
from doorstep.adapters.importers.paths import CompiledPath, PathSyntaxError, compile_path
from doorstep.adapters.importers.profile_errors import KeyLines, ProfileError, located
from doorstep.adapters.importers.profile_model import CollectionSpec, ErrorRule, Profile
from doorstep.adapters.importers.units import UnitError
from doorstep.domain.harmonise.tracking import parse_canonical_status

__all__ = ["ProfileError", "build_profile", "parse_profile_text", "read_profile_file",
           "read_profile_text"]

_TOP_KEYS = {
    "name", "kind", "format", "source", "description", "documentation", "namespaces", "csv",
    "records", "fields", "collections", "vocabularies", "errors", "options", "zones",
}  # fmt: skip
_FIELD_KEYS = {
    "path", "join", "sep", "context", "const", "default", "required", "pattern", "transform",
    "vocabulary", "type", "unit", "unit_path", "formats", "timezone", "require_offset",
    "country_field", "skip_if", "from_field", "description", "pattern_optional",
}  # fmt: skip
_VOCAB_KEYS = {"values", "unknown", "case_sensitive", "prefix_separator", "description"}
_ERROR_KEYS = {"each", "when", "unless", "code", "message", "reference"}
_KINDS = {"tracking", "orders", "asn"}
_FORMATS = {"json", "xml", "csv", "edifact"}
_TRANSFORMS = {"strip", "upper", "lower"}


class _Ctx:
    """Where we are in the file, to build ``file:line: key`` messages."""

    def __init__(self, path: Path, lines: KeyLines) -> None:
        self.path = path
        self.lines = lines

    def error(self, keys: tuple[str, ...], message: str) -> ProfileError:
        return located(self.path, self.lines, keys, message)


def _yaml_lines(node: yaml.Node, prefix: tuple[str, ...], out: KeyLines) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*prefix, str(key_node.value))
            out[key] = key_node.start_mark.line + 1
            _yaml_lines(value_node, key, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            key = (*prefix, str(index))
            out[key] = item.start_mark.line + 1
            _yaml_lines(item, key, out)


def _toml_lines(text: str) -> KeyLines:
    """Key path → line for a TOML profile: table headers (``[a.b]``, ``[[a]]`` counted
    per array), ``key = …`` lines and the keys of one-line inline tables.  Enough to point
    at a key; a value spread over lines points at the line of its key."""
    lines: KeyLines = {}
    table: tuple[str, ...] = ()
    arrays: dict[tuple[str, ...], int] = {}
    in_string: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if in_string is not None:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        if not line or line.startswith("#"):
            continue
        header = _TOML_HEADER.match(line)
        if header:
            keys = _toml_keys(header.group(2))
            if header.group(1) == "[[":
                index = arrays[keys] = arrays.get(keys, -1) + 1
                lines.setdefault(keys, number)
                keys = (*keys, str(index))
            table = keys
            lines.setdefault(table, number)
            continue
        assignment = _TOML_KEY.match(line)
        if assignment is None:
            continue
        keys = (*table, *_toml_keys(assignment.group(1)))
        for depth in range(len(table) + 1, len(keys) + 1):
            lines.setdefault(keys[:depth], number)
        rest = assignment.group(2)
        for quotes in ('"""', "'''"):
            if rest.count(quotes) % 2 == 1:
                in_string = quotes
        for inner in _TOML_INLINE_KEY.finditer(rest):
            lines.setdefault((*keys, *_toml_keys(inner.group(1))), number)
    return lines


_TOML_HEADER = re.compile(r"^(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_TOML_KEY = re.compile(r"^((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')"
                       r"(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=\s*(.*)$")
_TOML_INLINE_KEY = re.compile(r"[{,]\s*([A-Za-z0-9_-]+|\"[^\"]*\")\s*=")


def _toml_keys(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in
                 re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", dotted))


def parse_profile_text(text: str, path: Path) -> tuple[dict[str, Any], KeyLines]:
    """A profile's text (YAML, or TOML when ``path`` ends in ``.toml``) as plain data plus
    a key-path → line map; ``path`` names it in messages."""
    if path.suffix.lower() == ".toml":
        try:
            data: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            at = re.search(r"at line (\d+)", str(exc))
            line = at.group(1) if at else str(max(1, text.count("\n")))
            raise ProfileError(f"{path}:{line}: invalid TOML: {exc}") from None
        lines = _toml_lines(text)
    else:
        lines = {}
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            raise ProfileError(f"{path}:{mark.line + 1 if mark is not None else 1}: "
                               f"invalid YAML: {exc}") from None
        if node is not None:
            _yaml_lines(node, (), lines)
    if not isinstance(data, dict):
        raise ProfileError(f"{path}:1: (top level): a profile must be a mapping of keys")
    return data, lines


def read_profile_file(path: Path) -> tuple[dict[str, Any], KeyLines]:
    """Read a YAML or TOML profile into plain data plus a key-path → line map."""
    return parse_profile_text(read_profile_text(path), path)


def read_profile_text(path: Path) -> str:
    """A profile file's text, byte for byte (no newline translation: its hash is of this)."""
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ProfileError(f"{path}: cannot read profile: {reason or exc}") from None


def build_profile(data: dict[str, Any], path: Path, lines: KeyLines) -> Profile:
    """Validate ``data`` and compile it into a :class:`Profile`."""
    ctx = _Ctx(path, lines)
    _no_unknown_keys(ctx, (), data, _TOP_KEYS)
    name = _req_str(ctx, ("name",), data.get("name"))
    kind = _choice(ctx, ("kind",), data.get("kind"), _KINDS)
    fmt = _choice(ctx, ("format",), data.get("format"), _FORMATS)
    namespaces = data.get("namespaces") or {}
    if not isinstance(namespaces, dict):
        raise ctx.error(("namespaces",), "must map prefixes to namespace URIs")
    csv_opts = data.get("csv") or {}
    delimiter = str(csv_opts.get("delimiter", ",")) if isinstance(csv_opts, dict) else ","
    zones = {str(k): str(v) for k, v in _mapping(ctx, ("zones",), data.get("zones")).items()}
    vocabularies = {
        vname: _vocabulary(ctx, ("vocabularies", vname), vname, spec, kind)
        for vname, spec in _mapping(ctx, ("vocabularies",), data.get("vocabularies")).items()
    }

    def path_of(keys: tuple[str, ...], value: Any) -> CompiledPath:
        if not isinstance(value, str):
            raise ctx.error(keys, f"a path must be text, not {type(value).__name__}")
        try:
            return compile_path(value, fmt, namespaces)
        except PathSyntaxError as exc:
            raise ctx.error(keys, str(exc)) from None

    def paths_of(keys: tuple[str, ...], value: Any) -> tuple[CompiledPath, ...]:
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        return tuple(path_of((*keys, str(i)), v) for i, v in enumerate(items))

    known: set[str] = set()  # record fields, visible to every collection's fields

    def fields_of(keys: tuple[str, ...], raw: Any) -> tuple[FieldSpec, ...]:
        specs = [
            _field(ctx, (*keys, fname), fname, spec, vocabularies, path_of, paths_of, zones)
            for fname, spec in _mapping(ctx, keys, raw).items()
        ]
        # Datetimes last: a "by_country" zone reads the country field of the same record.
        ordered = tuple(sorted(specs, key=lambda s: s.type == "datetime"))
        seen = set(known)
        for spec in ordered:
            refs = [(spec.from_field, "from_field"), (spec.country_field, "country_field"),
                    *((ref, "join") for ref in spec.join_refs)]
            for ref, what in refs:
                if ref is not None and ref not in seen:
                    raise ctx.error((*keys, spec.name, what),
                                    f"{ref!r} is not a field declared before this one")
            seen.add(spec.name)
        if keys == ("fields",):
            known.update(seen)
        return ordered

    records = path_of(("records",), data["records"]) if data.get("records") else None
    record_fields = fields_of(("fields",), data.get("fields"))
    collections = tuple(
        _collection(ctx, ("collections", cname), cname, spec, path_of, fields_of)
        for cname, spec in _mapping(ctx, ("collections",), data.get("collections")).items()
    )
    rules = []
    for index, rule in enumerate(data.get("errors") or []):
        keys = ("errors", str(index))
        if not isinstance(rule, dict) or "each" not in rule or "when" not in rule:
            raise ctx.error(keys, "an error rule needs at least 'each' and 'when'")
        _no_unknown_keys(ctx, keys, rule, _ERROR_KEYS)
        rules.append(ErrorRule(
            each=path_of((*keys, "each"), rule["each"]),
            when=path_of((*keys, "when"), rule["when"]),
            unless=path_of((*keys, "unless"), rule["unless"]) if rule.get("unless") else None,
            code=paths_of((*keys, "code"), rule.get("code")),
            message=paths_of((*keys, "message"), rule.get("message")),
            reference=paths_of((*keys, "reference"), rule.get("reference")),
        ))
    options = _mapping(ctx, ("options",), data.get("options"))
    if options.get("group_by") not in (None, "tracking_number"):
        raise ctx.error(("options", "group_by"), "only 'tracking_number' (one parcel's events "
                                                 "together, whichever records carry them)")
    docs = data.get("documentation") or []
    return Profile(
        name=name, kind=kind, format=fmt, source=str(data.get("source") or name), path=path,
        description=str(data.get("description") or ""), records=records,
        record_fields=record_fields, collections=collections, vocabularies=vocabularies,
        error_rules=tuple(rules), namespaces=dict(namespaces),
        options=dict(options),
        csv_delimiter=delimiter,
        lines=lines,
        documentation=tuple(str(d) for d in (docs if isinstance(docs, list) else [docs])),
    )


def _collection(ctx: _Ctx, keys: tuple[str, ...], name: str, spec: Any,
                path_of: Any, fields_of: Any) -> CollectionSpec:
    if not isinstance(spec, dict):
        raise ctx.error(keys, "a collection is a mapping with 'path' and 'fields'")
    _no_unknown_keys(ctx, keys, spec, {"path", "fields", "where", "skip", "description"})
    where = None
    if spec.get("where") is not None:
        rule = spec["where"]
        if not isinstance(rule, dict) or set(rule) != {"path", "equals"}:
            raise ctx.error((*keys, "where"), "needs exactly 'path' and 'equals'")
        where = (path_of((*keys, "where", "path"), rule["path"]), str(rule["equals"]).lower())
    skip = None
    if spec.get("skip") is not None:
        rule = spec["skip"]
        if (not isinstance(rule, dict) or set(rule) != {"path", "values"}
                or not isinstance(rule["values"], list) or not rule["values"]):
            raise ctx.error((*keys, "skip"), "needs 'path' and a non-empty list 'values'")
        skip = (path_of((*keys, "skip", "path"), rule["path"]),
                frozenset(str(v) for v in rule["values"]))
    raw_paths = spec.get("path", ".")
    alternatives = raw_paths if isinstance(raw_paths, list) else [raw_paths]
    if not alternatives:
        raise ctx.error((*keys, "path"), "needs at least one path")
    paths = tuple(path_of((*keys, "path", str(i)) if len(alternatives) > 1 else (*keys, "path"),
                          p) for i, p in enumerate(alternatives))
    return CollectionSpec(name, paths[0], fields_of((*keys, "fields"), spec.get("fields")),
                          where, skip=skip, alternatives=paths[1:])


def _field(ctx: _Ctx, keys: tuple[str, ...], name: str, spec: Any,
           vocabularies: dict[str, Vocabulary], path_of: Any, paths_of: Any,
           zones: dict[str, str]) -> FieldSpec:
    if isinstance(spec, str | list):
        spec = {"path": spec}
    if not isinstance(spec, dict):
        raise ctx.error(keys, "a field is a path or a mapping with 'path', 'type', …")
    _no_unknown_keys(ctx, keys, spec, _FIELD_KEYS)
    ftype = spec.get("type", "str")
    if ftype not in FIELD_TYPES:
        raise ctx.error((*keys, "type"), f"unknown type {ftype!r} (one of {sorted(FIELD_TYPES)})")
    if not any(k in spec for k in ("path", "join", "context", "const", "default", "from_field")):
        raise ctx.error(keys, "needs one of 'path', 'join', 'from_field', 'context', 'const' "
                              "or 'default'")
    vocab = None
    if spec.get("vocabulary") is not None:
        vocab = vocabularies.get(str(spec["vocabulary"]))
        if vocab is None:
            raise ctx.error((*keys, "vocabulary"),
                            f"vocabulary {spec['vocabulary']!r} is not declared")
    pattern = None
    if spec.get("pattern") is not None:
        try:
            pattern = re.compile(str(spec["pattern"]))
        except re.error as exc:
            raise ctx.error((*keys, "pattern"), f"invalid regular expression: {exc}") from None
    transform = spec.get("transform")
    if transform is not None and transform not in _TRANSFORMS:
        raise ctx.error((*keys, "transform"), f"one of {sorted(_TRANSFORMS)}")
    unit = spec.get("unit")
    if unit is not None:
        if ftype not in ("weight", "length"):
            raise ctx.error((*keys, "unit"), "'unit' only applies to weight and length fields")
        try:
            check_unit_label(ftype, str(unit))
        except UnitError as exc:
            raise ctx.error((*keys, "unit"), str(exc)) from None
    if ftype in ("weight", "length") and unit is None and spec.get("unit_path") is None:
        raise ctx.error(keys, f"a {ftype} field needs 'unit' or 'unit_path'")
    date_parser = None
    zone_field = spec.get("country_field")
    if ftype == "datetime":
        formats = spec.get("formats") or ["iso8601"]
        timezone = spec.get("timezone")
        if isinstance(timezone, dict):  # {field: NAME}: another field names the zone
            if set(timezone) != {"field"} or not isinstance(timezone["field"], str):
                raise ctx.error((*keys, "timezone"), "a zone from a field is {field: NAME}")
            zone_field, timezone = timezone["field"], BY_FIELD
        try:
            date_parser = DateParser(
                [str(f) for f in (formats if isinstance(formats, list) else [formats])],
                timezone=timezone,
                require_offset=bool(spec.get("require_offset", False)),
                abbreviations=zones,
            )
        except ValueError as exc:
            raise ctx.error(keys, str(exc)) from None
        if timezone == "by_country" and not zone_field:
            raise ctx.error((*keys, "timezone"), "'by_country' needs 'country_field'")
    join = spec.get("join")
    join_refs: tuple[str | None, ...] = ()
    if join:
        parts = join if isinstance(join, list) else [join]
        for i, part in enumerate(parts):
            if isinstance(part, dict) and (set(part) != {"field"}
                                           or not isinstance(part["field"], str)):
                raise ctx.error((*keys, "join", str(i)), "a field in a join is {field: NAME}")
        join_refs = tuple(p["field"] if isinstance(p, dict) else None for p in parts)
        join = [p for p in parts if not isinstance(p, dict)]
    return FieldSpec(
        name,
        paths=paths_of((*keys, "join"), join) if join else paths_of((*keys, "path"),
                                                                       spec.get("path")),
        join_sep=str(spec.get("sep", " ")) if join_refs else None,
        join_refs=join_refs,
        pattern_optional=bool(spec.get("pattern_optional", False)),
        context_key=spec.get("context"),
        const=spec.get("const"),
        default=spec.get("default"),
        required=bool(spec.get("required", False)),
        pattern=pattern,
        transform=transform,
        vocabulary=vocab,
        type=ftype,
        unit=str(unit) if unit is not None else None,
        unit_path=path_of((*keys, "unit_path"), spec["unit_path"]) if spec.get("unit_path")
        else None,
        date_parser=date_parser,
        country_field=zone_field,
        skip_if=spec.get("skip_if"),
        from_field=spec.get("from_field"),
    )


def _vocabulary(ctx: _Ctx, keys: tuple[str, ...], name: str, spec: Any,
                kind: str) -> Vocabulary:
    if not isinstance(spec, dict):
        raise ctx.error(keys, "a vocabulary is a mapping with 'values'")
    if "values" not in spec:
        spec = {"values": spec}
    _no_unknown_keys(ctx, keys, spec, _VOCAB_KEYS)
    values = _mapping(ctx, (*keys, "values"), spec["values"])
    entries: dict[str, str] = {}
    for raw, canonical in values.items():
        if not isinstance(canonical, str | int | float) or isinstance(canonical, bool):
            raise ctx.error((*keys, "values", str(raw)), "maps to text")
        entries[str(raw)] = str(canonical)
    if kind == "tracking":  # every tracking vocabulary yields canonical statuses
        checked = [((*keys, "values", raw), value) for raw, value in entries.items()]
        if spec.get("unknown") is not None:
            checked.append(((*keys, "unknown"), str(spec["unknown"])))
        for where, value in checked:
            try:
                parse_canonical_status(value)
            except ValueError:
                raise ctx.error(where, f"{value!r} is not a canonical tracking status "
                                       "(see docs/vocabulary.md)") from None
    return Vocabulary(
        name,
        entries,
        unknown=str(spec["unknown"]) if spec.get("unknown") is not None else None,
        case_sensitive=bool(spec.get("case_sensitive", False)),
        prefix_separator=spec.get("prefix_separator"),
    )


def _mapping(ctx: _Ctx, keys: tuple[str, ...], value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ctx.error(keys, "must be a mapping")
    return {str(k): v for k, v in value.items()}


def _no_unknown_keys(ctx: _Ctx, keys: tuple[str, ...], data: Any, allowed: set[str]) -> None:
    if isinstance(data, dict):
        for key in data:
            if key not in allowed:
                raise ctx.error((*keys, str(key)), f"unknown key (allowed: {sorted(allowed)})")


def _req_str(ctx: _Ctx, keys: tuple[str, ...], value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ctx.error(keys, "is required and must be text")
    return value.strip()


def _choice(ctx: _Ctx, keys: tuple[str, ...], value: Any, allowed: set[str]) -> str:
    if value not in allowed:
        raise ctx.error(keys, f"must be one of {sorted(allowed)}, not {value!r}")
    return str(value)
