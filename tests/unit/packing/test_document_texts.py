"""Every printed document text exists in German and English."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

LOCALE = Path(__file__).parents[3] / "src" / "doorstep" / "entrypoints" / "web" / "locale"


def test_the_document_catalogues_hold_the_same_texts_all_translated() -> None:
    catalogues = {}
    for language in ("de", "en"):
        with (LOCALE / language / "LC_MESSAGES" / "documents.po").open("rb") as handle:
            catalogues[language] = {m.id: m.string for m in read_po(handle) if m.id}
    assert catalogues["de"].keys() == catalogues["en"].keys()
    for language, messages in catalogues.items():
        assert all(messages.values()), f"an empty translation in {language}"
    source = (Path(__file__).parents[3] / "src" / "doorstep" / "adapters" / "documents"
              / "packing_slip.py").read_text()
    for msgid in catalogues["de"]:
        first_words = str(msgid).split("%")[0][:25]
        assert first_words in source, f"{msgid!r} is in the catalogue but not used"
