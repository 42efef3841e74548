"""Every text the pages show exists, non-empty, in German and in English."""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.entrypoints.web import catalogues
from doorstep.entrypoints.web.i18n import LANGUAGES, translations


def test_the_pages_use_texts_at_all() -> None:
    """The extraction finds the layout's texts (an empty extraction would pass vacuously)."""
    ids = {u.msgid for u in catalogues.used_messages()}
    assert "Skip to content" in ids
    assert "Find your order" in ids


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_used_text_has_a_translation(language: str) -> None:
    """A text marked in a template or in Python but missing from one language fails here."""
    gaps = catalogues.missing(language)
    listing = "\n".join(f"  {g.where}: {g.msgid!r}" for g in gaps)
    assert not gaps, (f"{len(gaps)} text(s) have no {language} translation; add them to "
                      f"locale/{language}/LC_MESSAGES/<area>.po:\n{listing}")


def test_a_text_missing_in_one_language_is_reported(tmp_path: Path) -> None:
    """The check itself bites: a template with a new text is reported for both languages."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "new.html").write_text(
        '{% trans %}A brand-new sentence nobody translated{% endtrans %} {{ _("Language") }}',
        encoding="utf-8")
    for language in LANGUAGES:
        gaps = catalogues.missing(language, root=tmp_path)
        assert [g.msgid for g in gaps] == ["A brand-new sentence nobody translated"]


def test_german_catalogue_translates_and_english_keeps_the_text() -> None:
    assert translations("de").gettext("Skip to content") == "Zum Inhalt springen"
    assert translations("en").gettext("Skip to content") == "Skip to content"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_means_two_things_in_two_areas(language: str) -> None:
    """Area catalogues are merged into one: a text translated differently in two files would
    show one area's word in the other (an order "vereinnahmt" instead of "eingegangen").
    Such a text needs a context (``pgettext``) in one of the areas."""
    from babel.messages.pofile import read_po

    from doorstep.entrypoints.web.i18n import LOCALE_DIR

    seen: dict[tuple[object, object], tuple[str, object]] = {}
    clashes = []
    for po_path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if not message.id:
                    continue
                key = (str(message.id), message.context)
                if key in seen and seen[key][1] != message.string:
                    clashes.append(f"{key}: {seen[key]} vs {(po_path.name, message.string)}")
                seen.setdefault(key, (po_path.name, message.string))
    assert not clashes, "\n".join(clashes)


def test_an_order_received_and_goods_received_keep_their_own_words() -> None:
    german = translations("de")
    assert german.gettext("received") == "eingegangen"
    assert german.pgettext("goods receipt", "received") == "vereinnahmt"
