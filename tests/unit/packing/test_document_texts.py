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


def _pdf_text(pdf: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    return " ".join(page.get_textpage().get_text_range() for page in document)


def test_the_slip_and_manifest_write_dates_and_weights_the_readers_way() -> None:
    from datetime import date

    from doorstep.adapters.documents.packing_slip import (
        Slip,
        SlipLine,
        render_manifest,
        render_slip,
    )
    from doorstep.entrypoints.web.i18n import format_locale, translations

    slip = Slip("SHOP-1", date(2026, 11, 30), "1/2 · SSCC 040123450000000016",
                ("Ada Lovelace", "10117 Berlin"), ("Demo Shop",),
                (SlipLine("MUG", "Becher", 2, 1, 0),), ("Demo Shop", "10115 Berlin"))
    manifest = {"id": 7, "carrier": "dhl", "warehouse": "BER", "closed_at": "2026-11-30T17:00",
                "weight_g": 1440, "parcels": [{"sscc": "040123450000000016",
                                               "tracking_number": "T1", "reference": "SHOP-1",
                                               "country": "DE", "postcode": "10117",
                                               "weight_g": 1440}]}
    german = _pdf_text(render_slip(slip, translations("de").gettext,
                                   locale=format_locale("de")))
    english = _pdf_text(render_slip(slip, translations("en").gettext,
                                    locale=format_locale("en")))
    assert "30.11.2026" in german and "Lieferschein" in german
    assert "30 Nov 2026" in english and "Packing slip" in english
    assert "1,44 kg" in _pdf_text(render_manifest(manifest, translations("de").gettext,
                                                  locale=format_locale("de")))
    assert "1.44 kg" in _pdf_text(render_manifest(manifest, translations("en").gettext,
                                                  locale=format_locale("en")))
