"""Field paths into JSON documents, XML elements and CSV rows, compiled once.

A profile names where a value lives with a *path*; the engine compiles every path
when the profile is loaded, so extracting a field from a record is a short walk
with no string parsing per record.

JSON paths are dotted keys with list steps::

    shipments[*].events[*]      every event of every shipment (a "many" path)
    details.weight.value        one value
    package[0].weight.weight    the first package's weight
    .                           the node itself

XML paths are ElementTree paths (``ns:tag/child``, ``*``, ``[@name='x']``,
``.//tag``), optionally ending in ``@attribute``; a prefix is resolved through
the profile's ``namespaces``.  CSV paths are column names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from xml.etree.ElementTree import Element

__all__ = ["CompiledPath", "PathSyntaxError", "compile_path"]

_WILD = -1
_NO_INDEX = -2


class PathSyntaxError(ValueError):
    """A path in a profile cannot be compiled."""


class CompiledPath:
    """A compiled path.

    ``one(node)`` gives the first value, ``many(node)`` every value, ``nodes(node)``
    every matching node (for XML the elements themselves, to iterate records).
    """

    __slots__ = ("has_wildcard", "many", "nodes", "one", "text")

    def __init__(
        self,
        text: str,
        one: Callable[[Any], Any],
        many: Callable[[Any], list[Any]],
        has_wildcard: bool,
        nodes: Callable[[Any], list[Any]] | None = None,
    ) -> None:
        self.text = text
        self.one = one
        self.many = many
        self.nodes = nodes if nodes is not None else many
        self.has_wildcard = has_wildcard

    def __repr__(self) -> str:
        return f"CompiledPath({self.text!r})"


def compile_path(text: str, fmt: str, namespaces: Mapping[str, str] | None = None) -> CompiledPath:
    """Compile ``text`` for documents of format ``fmt`` (``json``, ``xml`` or ``csv``)."""
    if not isinstance(text, str) or not text.strip():
        raise PathSyntaxError("a path must be a non-empty string")
    text = text.strip()
    if fmt in ("json", "edifact"):  # EDIFACT is read into a nested JSON-like document
        return _compile_json(text)
    if fmt == "xml":
        return _compile_xml(text, dict(namespaces or {}))
    if fmt == "csv":
        return _compile_csv(text)
    raise PathSyntaxError(f"unknown document format {fmt!r}")


# --- JSON --------------------------------------------------------------------------------


def _parse_json_steps(text: str) -> list[tuple[str | None, int]]:
    """Split ``a.b[*].c[0]`` into (key, index) steps; index is _WILD, _NO_INDEX or >= 0."""
    if text in (".", "$"):
        return []
    if text.startswith("$."):
        text = text[2:]
    steps: list[tuple[str | None, int]] = []
    for part in text.split("."):
        if not part:
            raise PathSyntaxError(f"empty step in path {text!r}")
        key, _, rest = part.partition("[")
        steps.append((key, _NO_INDEX) if key else (None, _NO_INDEX))
        while rest:
            inner, sep, rest = rest.partition("]")
            if not sep:
                raise PathSyntaxError(f"unclosed '[' in path {text!r}")
            if inner == "*":
                index = _WILD
            elif inner.isdigit():
                index = int(inner)
            else:
                raise PathSyntaxError(f"list step must be [*] or [N], not [{inner}] in {text!r}")
            steps.append((None, index))
            if rest.startswith("["):
                rest = rest[1:]
            elif rest:
                raise PathSyntaxError(f"unexpected {rest!r} after ']' in path {text!r}")
    return [s for s in steps if not (s[0] is None and s[1] == _NO_INDEX)]


def _compile_json(text: str) -> CompiledPath:
    steps = tuple(_parse_json_steps(text))
    has_wildcard = any(index == _WILD for _, index in steps)

    def many(node: Any) -> list[Any]:
        current = [node]
        for key, index in steps:
            nxt: list[Any] = []
            for item in current:
                if key is not None:
                    if type(item) is dict:
                        value = item.get(key)
                        if value is not None:
                            nxt.append(value)
                    continue
                if type(item) is not list:
                    continue
                if index == _WILD:
                    nxt.extend(v for v in item if v is not None)
                elif index < len(item) and item[index] is not None:
                    nxt.append(item[index])
            current = nxt
            if not current:
                return current
        return current

    one: Callable[[Any], Any]
    if has_wildcard:

        def first(node: Any) -> Any:
            found = many(node)
            return found[0] if found else None

        one = first
    elif all(key is not None for key, _ in steps) and len(steps) <= 3:
        one = _key_walker(tuple(str(key) for key, _ in steps))
    else:

        def walk(node: Any) -> Any:
            for key, index in steps:
                if key is not None:
                    if type(node) is not dict:
                        return None
                    node = node.get(key)
                elif type(node) is list and index < len(node):
                    node = node[index]
                else:
                    return None
                if node is None:
                    return None
            return node

        one = walk
    return CompiledPath(text, one, many, has_wildcard)


def _key_walker(keys: tuple[str, ...]) -> Callable[[Any], Any]:
    """Specialised getters for the commonest paths: one to three plain keys."""
    if len(keys) == 0:
        return lambda node: node
    if len(keys) == 1:
        (k1,) = keys

        def one1(node: Any) -> Any:
            return node.get(k1) if type(node) is dict else None

        return one1
    if len(keys) == 2:
        k1, k2 = keys

        def one2(node: Any) -> Any:
            if type(node) is not dict:
                return None
            node = node.get(k1)
            return node.get(k2) if type(node) is dict else None

        return one2
    k1, k2, k3 = keys

    def one3(node: Any) -> Any:
        if type(node) is not dict:
            return None
        node = node.get(k1)
        if type(node) is not dict:
            return None
        node = node.get(k2)
        return node.get(k3) if type(node) is dict else None

    return one3


# --- XML ---------------------------------------------------------------------------------


def _expand_prefixes(path: str, namespaces: Mapping[str, str]) -> str:
    """Rewrite ``ns:tag`` as ``{uri}tag`` so ElementTree needs no namespace map per call."""
    out: list[str] = []
    for step in path.split("/"):
        head, bracket, tail = step.partition("[")
        prefix, colon, local = head.partition(":")
        if colon:
            if prefix not in namespaces:
                raise PathSyntaxError(f"namespace prefix {prefix!r} is not declared")
            head = "{" + namespaces[prefix] + "}" + local
        out.append(head + bracket + tail)
    return "/".join(out)


def _compile_xml(text: str, namespaces: dict[str, str]) -> CompiledPath:
    element_path, attribute = text, None
    if text.startswith("@"):
        element_path, attribute = ".", text[1:]
    elif "/@" in text:
        element_path, _, attribute = text.rpartition("/@")
    if attribute is not None and "/" in attribute:
        raise PathSyntaxError(f"an attribute must end the path: {text!r}")
    expanded = _expand_prefixes(element_path, namespaces)
    is_self = expanded in (".", "")
    # Plain child steps ("a/b/c") run as chained C-level finds; ElementPath is slower.
    bare = re.sub(r"\{[^}]*\}", "", expanded)
    steps = tuple(re.split(r"/(?![^{]*\})", expanded))  # "/" inside {uri} is not a step
    chain = steps if not any(c in bare for c in "*[.@") else None

    def find(node: Element) -> Element | None:
        if chain is None:
            return node.find(expanded)
        current: Element | None = node
        for tag in chain:
            current = current.find(tag) if current is not None else None
        return current

    def value_of(element: Element) -> Any:
        if attribute is not None:
            return element.get(attribute)
        if len(element):
            return element
        value = element.text
        return value.strip() if value is not None else None

    def one(node: Any) -> Any:
        if not isinstance(node, Element):
            return None
        if is_self:
            return value_of(node)
        element = find(node)
        return None if element is None else value_of(element)

    def many(node: Any) -> list[Any]:
        if not isinstance(node, Element):
            return []
        elements = [node] if is_self else node.findall(expanded)
        values = [value_of(e) for e in elements]
        return [v for v in values if v is not None]

    plan = _child_steps(steps) if not is_self else None
    single = plan[0][0] if plan is not None and len(plan) == 1 and plan[0][1] is None else None

    def nodes(node: Any) -> list[Any]:
        if not isinstance(node, Element):
            return []
        if is_self:
            return [node]
        if single is not None:
            return node.findall(single)
        if plan is None:
            return node.findall(expanded)
        current = [node]
        for tag, key, wanted in plan:  # what ElementPath does, in C-level child scans
            found: list[Element] = []
            for element in current:
                if key is None:
                    found.extend(element.findall(tag))
                else:
                    found.extend(e for e in element.findall(tag) if e.get(key) == wanted)
            current = found
        return current

    return CompiledPath(text, one, many, not is_self, nodes)


_STEP = re.compile(r"(?P<tag>(?:\{[^}]+\})?[^{}\[\]*.@/]+)"
                   r"(?:\[@(?P<key>[\w-]+)=(?P<q>['\"])(?P<value>[^'\"]*)(?P=q)\])?\Z")


def _child_steps(steps: tuple[str, ...]) -> tuple[tuple[str, str | None, str], ...] | None:
    """``(tag, attribute, value)`` per step when every step is a child tag, optionally
    with one ``[@attribute='value']`` test; None for anything else (ElementPath runs it)."""
    plan = []
    for step in steps:
        match = _STEP.match(step)
        if match is None:
            return None
        plan.append((match["tag"], match["key"], match["value"] or ""))
    return tuple(plan)


# --- CSV ---------------------------------------------------------------------------------


def _compile_csv(text: str) -> CompiledPath:
    if text in (".", "$"):
        return CompiledPath(text, lambda node: node, lambda node: [node], False)
    column = text

    def one(node: Any) -> Any:
        if type(node) is not dict:
            return None
        return node.get(column)

    def many(node: Any) -> list[Any]:
        value = one(node)
        return [] if value is None else [value]

    return CompiledPath(text, one, many, False)
