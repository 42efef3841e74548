"""The history list of the tracking page (its checkpoints, latest first), made in Python.

The list was a Jinja loop: per checkpoint seven calls through Jinja's runtime, eight
escapes and some twenty output chunks — about 60 µs per checkpoint on the loaded benchmark
machine, and a page shows six or seven.  The same markup from one function costs a fraction
of that.  The HTML is exactly what the loop produced (``trim_blocks``/``lstrip_blocks``
whitespace included): ``tests/unit/web/test_tracking_history.py`` renders both for every
kind of checkpoint, in both languages.  The loop's template, for reference::

      <li class="checkpoint checkpoint--{{ c.code }}">
        <p class="checkpoint__what">{{ checkpoint_label(c) }}</p>
        <p class="checkpoint__when small muted"><time datetime="{{ c.at.isoformat() }}">
          {{- format_datetime(c.at, when) }}</time>{% if c.place %} · {{ c.place }}{% endif %}
          {%- if c.tracking_number and several %} · {{ c.tracking_number }}{% endif %}</p>
        {% if c.carrier_text %}
        <details class="small">
          <summary>{{ _("Carrier's own words") }}</summary>
          <p>{{ c.carrier_text }}{% if c.carrier_code %} <span class="muted">
            {{- "(" }}{{ c.carrier_code }})</span>{% endif %}</p>
        </details>
        {% endif %}
      </li>
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup, escape

from doorstep.entrypoints.web.i18n import N_, gettext
from doorstep.entrypoints.web.tracking_texts import checkpoint_label

__all__ = ["checkpoint_items"]

CARRIERS_WORDS = N_("Carrier's own words")


def checkpoint_items(checkpoints: Sequence[Any], format_datetime: Callable[[Any, str], str],
                     when: str, several: bool) -> Markup:
    """The ``<li>`` of every checkpoint, in the language ``i18n.use_language`` set."""
    words = gettext(CARRIERS_WORDS)  # a translation is markup, as Jinja's ``_()`` treats it
    parts: list[str] = []
    for c in checkpoints:
        place = f" · {escape(c.place)}" if c.place else ""
        number = f" · {escape(c.tracking_number)}" if c.tracking_number and several else ""
        parts.append(
            f'<li class="checkpoint checkpoint--{escape(c.code)}">\n'
            f'        <p class="checkpoint__what">{escape(checkpoint_label(c))}</p>\n'
            f'        <p class="checkpoint__when small muted"><time datetime="'
            f'{escape(c.at.isoformat())}">{escape(format_datetime(c.at, when))}</time>'
            f"{place}{number}</p>\n")
        if c.carrier_text:
            code = (f' <span class="muted">({escape(c.carrier_code)})</span>'
                    if c.carrier_code else "")
            parts.append(
                f'        <details class="small">\n'
                f"          <summary>{words}</summary>\n"
                f"          <p>{escape(c.carrier_text)}{code}</p>\n"
                f"        </details>\n")
        parts.append("      </li>\n      ")
    return Markup("".join(parts)[:-7])  # the last item ends with its "</li>"
