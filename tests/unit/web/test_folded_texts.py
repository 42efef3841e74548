"""Templates compiled per language: fixed texts translated at compile time, same HTML."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from jinja2 import TemplateSyntaxError

from doorstep.entrypoints.web import i18n
from doorstep.entrypoints.web.rendering import TEMPLATE_DIR, environment
from doorstep.services.customer_view import (
    Checkpoint,
    CustomerView,
    Item,
    NextAction,
    Parcel,
    ParcelGroup,
    PromiseView,
    Window,
)

CONSTRUCTS = """\
<p>{{ _("History") }}|{{ gettext("Refresh now") }}|{% trans %}Language{% endtrans %}</p>
<p>{% trans number=number %}Order {{ number }}{% endtrans %}</p>
<p>{{ pgettext("date pattern", "EEEE d MMMM") }}</p>
<p>{% trans count=n %}Your parcel{% pluralize %}Your {{ count }} parcels{% endtrans %}</p>
<p>{{ _(dynamic) }}</p>"""


def _both(source: str, language: str, **values: Any) -> tuple[str, str]:
    """The text rendered by the per-language environment and by the run-time one."""
    with i18n.use_language(language):
        return (environment(language).from_string(source).render(values),
                environment().from_string(source).render(values))


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_folded_texts_render_exactly_as_translating_at_render_time(language: str) -> None:
    folded, at_render = _both(CONSTRUCTS, language, number="<b>1</b>", n=2,
                              dynamic="History")
    assert folded == at_render
    assert "&lt;b&gt;1&lt;/b&gt;" in folded  # a value inside a translation is escaped


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_a_constant_keyword_value_is_escaped_like_any_other(language: str) -> None:
    source = '{{ _("Order %(number)s", number="<b>7</b>") }}'
    folded, at_render = _both(source, language)
    assert folded == at_render
    assert "&lt;b&gt;7&lt;/b&gt;" in folded


def test_the_german_template_carries_its_texts_in_its_code() -> None:
    code = environment("de").compile('{{ _("History") }}', raw=True)
    assert "Verlauf" in code and "gettext" not in code


def test_a_template_assigning_a_translated_name_is_refused() -> None:
    with pytest.raises(TemplateSyntaxError, match="may not assign _"):
        environment("de").from_string('{% set _ = "mine" %}{{ _("History") }}')


def _views() -> list[CustomerView]:
    at = datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
    parcel = Parcel("DHL", "00340434", "https://dhl.example/00340434", "in_transit", at,
                    (Item("Mug <large>", 1),))
    late = PromiseView(Window(date(2026, 12, 1), date(2026, 12, 2)),
                       Window(date(2026, 12, 2), date(2026, 12, 4)), False, "handed_over_late",
                       1)
    checkpoints = (Checkpoint(at, "in_transit", "DHL", "Leipzig (DE)", "Sendung & mehr",
                              "PARCEL_CENTER", "00340434"),
                   Checkpoint(at, "handed_over", "DHL"), Checkpoint(at, "received"))
    failed = NextAction("failed_attempt", "DHL", "https://dhl.example/x", "Berlin", "Nobody")
    common: dict[str, Any] = {"order_number": "#100 & co", "channel": "shop", "placed_at": at,
                              "cancelled_at": None, "checkpoints": checkpoints, "version": 7}
    return [
        CustomerView(status="shipped", delivered_at=None, promise=late, actions=(failed,),
                     groups=(ParcelGroup("in_transit", (parcel,)),
                             ParcelGroup("preparing", items=(Item("Shirt", 2),))),
                     parcels=(parcel, parcel), **common),
        CustomerView(status="delivered", delivered_at=at, promise=late, actions=(),
                     groups=(ParcelGroup("delivered", (parcel,)),), parcels=(parcel,),
                     **common),
        CustomerView(status="cancelled", delivered_at=None, promise=None, actions=(),
                     groups=(ParcelGroup("cancelled", items=(Item("Shirt", 2),)),), **common),
    ]


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize("news", [False, True])
def test_the_tracking_page_is_the_same_html_either_way(language: str, news: bool) -> None:
    source = (Path(TEMPLATE_DIR) / "tracking" / "page.html").read_text(encoding="utf-8")
    assert "{% include" in source  # the include is rendered by each environment's own copy
    for view in _views():
        values = {"view": view, "token": "tok", "poll_seconds": 30, "news": news,
                  "brand": "Shop & Co", "lang": language, "languages": i18n.LANGUAGES,
                  "switch_urls": {"de": "/t?lang=de", "en": "/t?lang=en"},
                  "htmx_request": False, **i18n.date_formatters(language, "Europe/Berlin")}
        with i18n.use_language(language):
            folded = environment(language).get_template("tracking/page.html").render(values)
            at_render = environment().get_template("tracking/page.html").render(values)
        assert folded == at_render
