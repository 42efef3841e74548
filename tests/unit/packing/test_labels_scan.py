"""doorstep's own label scans: the GS1-128 SSCC and the tracking QR decode from the PDF."""

from __future__ import annotations

import pypdfium2
import pytest
import zxingcpp

from doorstep.adapters.documents.labels import LabelData, render_pdf, render_zpl
from doorstep.domain.errors import InvalidValue
from doorstep.domain.packing.sscc import is_valid_sscc, make_sscc


def _label(n: int = 1) -> LabelData:
    return LabelData(make_sscc("4012345", n), ("Demo Shop GmbH", "Lagerstraße 1", "10115 Berlin"),
                     ("Jörg Müller", "Hauptstraße 5", "80331 München", "DE"), f"ORD-{n}",
                     2340, "DHL", f"https://shop.example/track/tok{n}", 1, 2)


def test_an_sscc_has_eighteen_digits_and_a_correct_check_digit() -> None:
    sscc = make_sscc("4012345", 123)
    assert sscc == "040123450000001235"
    assert is_valid_sscc(sscc)
    assert not is_valid_sscc(sscc[:-1] + "4")


def test_an_sscc_serial_beyond_the_prefix_range_is_refused() -> None:
    with pytest.raises(InvalidValue, match="serial"):
        make_sscc("401234567", 10**7)
    with pytest.raises(InvalidValue, match="gs1_company_prefix"):
        make_sscc("40A1234", 1)


def test_every_page_of_the_pdf_scans_back_to_its_sscc_and_tracking_link() -> None:
    labels = [_label(1), _label(2)]
    document = pypdfium2.PdfDocument(render_pdf(labels))
    assert len(document) == 2
    for page, label in zip(document, labels, strict=True):
        width, height = page.get_size()
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (105, 148)  # A6
        found = {r.format: r for r in zxingcpp.read_barcodes(page.render(scale=3).to_pil())}
        code128 = found[zxingcpp.BarcodeFormat.Code128]
        assert code128.content_type == zxingcpp.ContentType.GS1
        assert code128.text == f"(00){label.sscc}"
        assert found[zxingcpp.BarcodeFormat.QRCode].text == label.tracking_url


def test_the_zpl_label_carries_the_sscc_in_ucc_ean_mode_and_escapes_umlauts() -> None:
    zpl = render_zpl(_label(7))
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    assert f"^BCN,180,Y,N,N,D^FD(00){make_sscc('4012345', 7)}^FS" in zpl
    assert "^FDQA,https://shop.example/track/tok7^FS" in zpl
    assert "J_C3_B6rg M_C3_BCller" in zpl  # ö and ü as UTF-8 hex under ^CI28 / ^FH
    assert "^FH^FD" in zpl
