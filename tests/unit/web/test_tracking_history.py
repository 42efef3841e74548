"""The history list made in Python is the HTML the Jinja loop made, for every kind of entry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from doorstep.entrypoints.web import i18n
from doorstep.entrypoints.web.rendering import environment
from doorstep.entrypoints.web.tracking_texts import checkpoint_label
from doorstep.services.customer_view import Checkpoint

# The loop as _live.html had it before the history moved into tracking_history.
JINJA_LOOP = """\
    <ol class="checkpoints" reversed>
    {% for c in checkpoints %}
      <li class="checkpoint checkpoint--{{ c.code }}">
        <p class="checkpoint__what">{{ checkpoint_label(c) }}</p>
        <p class="checkpoint__when small muted"><time datetime="{{ c.at.isoformat() }}">{{ format_datetime(c.at, when) }}</time>{% if c.place %} · {{ c.place }}{% endif %}{% if c.tracking_number and several %} · {{ c.tracking_number }}{% endif %}</p>
        {% if c.carrier_text %}
        <details class="small">
          <summary>{{ _("Carrier's own words") }}</summary>
          <p>{{ c.carrier_text }}{% if c.carrier_code %} <span class="muted">({{ c.carrier_code }})</span>{% endif %}</p>
        </details>
        {% endif %}
      </li>
    {% endfor %}
    </ol>
"""  # noqa: E501 - the template's own lines
NOW = """\
    <ol class="checkpoints" reversed>
    {% if checkpoints %}
      {{ checkpoint_items(checkpoints, format_datetime, when, several) }}
    {% endif %}
    </ol>
"""

AT = datetime(2026, 11, 30, 23, 15, 7, 123456, tzinfo=UTC)
CHECKPOINTS = (
    Checkpoint(AT, "delivered", "DHL", "Berlin (DE)", "Zugestellt <an> Nachbarn & Co",
               "DLV", "00340434"),
    Checkpoint(AT, "exception", "DHL", None, "Adresse \"unklar\"", None, "00340434",
               "address"),
    Checkpoint(AT, "in_transit", "GLS", "O'Hare <US>", "Scan", "X<1>", "9999"),
    Checkpoint(AT, "handed_over", "DHL", tracking_number="00340434"),
    Checkpoint(AT, "unknown_code"),
    Checkpoint(AT, "received"),
)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize("several", [False, True])
@pytest.mark.parametrize("count", [0, 1, len(CHECKPOINTS)])
def test_the_history_is_the_html_the_loop_made(language: str, several: bool,
                                               count: int) -> None:
    env = environment(language)
    values = {"checkpoints": CHECKPOINTS[:count], "several": several,
              "when": "EEE d MMM, HH:mm", "checkpoint_label": checkpoint_label,
              **i18n.date_formatters(language, "Europe/Berlin")}
    with i18n.use_language(language):
        assert env.from_string(NOW).render(values) == env.from_string(JINJA_LOOP).render(values)


def test_the_history_escapes_what_the_carrier_wrote() -> None:
    with i18n.use_language("en"):
        html = environment("en").from_string(NOW).render(
            checkpoints=CHECKPOINTS, several=True, when="HH:mm",
            **i18n.date_formatters("en", "Europe/Berlin"))
    assert "Zugestellt &lt;an&gt; Nachbarn &amp; Co" in html and "<an>" not in html
    assert "O&#39;Hare &lt;US&gt;" in html and "X&lt;1&gt;" in html
    assert "Carrier's own words" in html  # the translation itself is markup
