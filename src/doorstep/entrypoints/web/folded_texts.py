"""Templates compiled once per language, with their fixed texts already translated.

A page's fixed texts (``{{ _("History") }}``, ``{% trans %}Refresh now{% endtrans %}``, the
date patterns of ``pgettext("date pattern", …)``) are the same for every reader of one
language, yet Jinja looks each one up at every render: a ``Context.call`` of ``gettext``,
the catalogue lookup, ``Markup`` and an escape, and one more output chunk — about a third of
the tracking page's render time (``benchmarks/tracking_page.py``).  Here every template is
compiled once per language, and while it is compiled each such call whose arguments are
constants is replaced by its translation, so it joins the template's static HTML::

    {{ _("History") }}                      ->  "Verlauf" in the German template's code
    {% trans n=view.order_number %}Order {{ n }}{% endtrans %}
                                            ->  Markup("Bestellung %(n)s") % {"n": …}
    {{ static_url("doorstep.css") }}        ->  "/static/doorstep.css?v=…"

The result is the same HTML as Jinja's own ``newstyle`` gettext gives (the translation is
``Markup`` when autoescaping, ``%``-formatted with the keyword values, which ``Markup``
escapes); ``ngettext`` and calls with a variable argument stay calls.  The catalogues are
read once per process either way (``i18n.translations`` is cached), so folding them in at
compile time changes no behaviour.  A template that assigns one of the folded names (for
example ``{% set _ = … %}``) is refused when it is compiled, so a folded call can never
have meant something else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import Environment, TemplateSyntaxError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.visitor import NodeTransformer

from doorstep.entrypoints.web import i18n

TRANSLATING = frozenset({"_", "gettext", "pgettext"})


class LanguageEnvironment(Environment):
    """A Jinja2 environment whose templates are compiled for one ``language``.

    ``pure_globals`` are functions whose result depends only on their (constant) arguments
    for the life of the process, such as ``static_url``: their calls are folded too.
    """

    def __init__(self, language: str, pure_globals: Mapping[str, Callable[..., Any]],
                 **options: Any) -> None:
        super().__init__(**options)
        self.language = language
        self.pure_globals = dict(pure_globals)
        self.code_generator_class = FoldingCodeGenerator


class FoldingCodeGenerator(CodeGenerator):
    """Jinja's code generator, folding the translations before it writes the code."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        env = self.environment
        if isinstance(env, LanguageEnvironment):
            _refuse_shadowing(node, env, self.name)
            node = _Folder(env).visit(node)
        super().visit_Template(node, frame)


def _refuse_shadowing(template: nodes.Template, env: LanguageEnvironment,
                      name: str | None) -> None:
    folded = TRANSLATING | env.pure_globals.keys()
    assigned = {n.name for n in template.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for imported in template.find_all(nodes.FromImport):
        assigned |= {item if isinstance(item, str) else item[-1] for item in imported.names}
    clash = sorted(assigned & folded)
    if clash:
        raise TemplateSyntaxError(f"a page template may not assign {', '.join(clash)}: "
                                  "these names are translated when it is compiled",
                                  template.lineno, name)


def _constants(args: list[nodes.Expr]) -> list[str] | None:
    values = [a.value for a in args if isinstance(a, nodes.Const) and isinstance(a.value, str)]
    return values if len(values) == len(args) else None


class _Folder(NodeTransformer):
    def __init__(self, env: LanguageEnvironment) -> None:
        self.env = env

    def visit_Call(self, call: nodes.Call) -> nodes.Node:
        node = self.generic_visit(call)
        if not isinstance(node, nodes.Call) or not isinstance(node.node, nodes.Name) \
                or node.dyn_args or node.dyn_kwargs:
            return node
        name = node.node.name
        args = _constants(node.args)
        if args is None:
            return node
        if name in self.env.pure_globals:
            if node.kwargs:
                return node
            return self._new(nodes.Const(self.env.pure_globals[name](*args)), node)
        if name not in TRANSLATING or len(args) != (2 if name == "pgettext" else 1):
            return node
        with i18n.use_language(self.env.language):
            text = i18n.pgettext(*args) if name == "pgettext" else i18n.gettext(args[0])
        values = [(kw.key, kw.value) for kw in node.kwargs]
        if name == "pgettext" and "context" not in {k for k, _v in values}:
            values.append(("context", nodes.Const(args[0])))  # as Jinja's newstyle does
        # Only the context may be formatted here: a template's own keyword values, even
        # constant ones, are escaped by Markup's % at render time, as Jinja's newstyle does.
        if all(k == "context" and isinstance(v, nodes.Const) for k, v in values):
            try:
                text = text % {k: v.as_const() for k, v in values}
            except (KeyError, TypeError, ValueError):
                return node  # let it fail at render time, where the error is clearer
            return self._new(nodes.MarkSafeIfAutoescape(nodes.Const(text)), node)
        formatted = nodes.Mod(nodes.MarkSafeIfAutoescape(nodes.Const(text)), nodes.Dict(
            [nodes.Pair(nodes.Const(k), v) for k, v in values]))
        return self._new(formatted, node)

    def _new(self, replacement: nodes.Expr, original: nodes.Node) -> nodes.Expr:
        replacement.set_lineno(original.lineno)
        replacement.set_environment(self.env)
        return replacement
