"""doorstep's own label scans: the GS1-128 SSCC and the tracking QR decode from the PDF and,
rendered by a ZPL renderer (zebrash, ``tests/zpl_render.py``), from the ZPL II label too; and
the SSCC symbol, measured on those renderings, has GS1's logistic-label size.

GS1's figures for a GS1-128 symbol on a logistic unit (GS1 General Specifications, symbol
specification table for logistic units, summarised by GS1 Sweden at
https://gs1.se/en/guides/how-to-guides/size-guide/; the quiet zone also in section 5.4.4.2):
X-dimension 0.495 mm minimum and target, 1.016 mm maximum; bar height 31.75 mm minimum;
quiet zones at least 10 X left and right.  They are written out here rather than taken from
the label module, so that a layout change below them fails.

The renderings are kept in ``test-artifacts/labels/`` (``zpl-label-1.png`` …,
``pdf-label-1.png``) for a reviewer.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2
import pytest
import zxingcpp
from numpy.typing import NDArray
from PIL import Image

from doorstep.adapters.documents.labels import LabelData, render_pdf, render_zpl
from doorstep.domain.errors import InvalidValue
from doorstep.domain.packing.sscc import is_valid_sscc, make_sscc
from zpl_render import render_zpl_png

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "labels"
# A link as doorstep's tracking tokens make them (secrets.token_urlsafe: letters, digits, - and _).
TRACKING_URL = "https://shop.example/track/q7_Kd-3xZ0pL_m9vTb2Rw8sYh-E4nUa6cJf1gVi5oQ"
# Every ZPL barcode command: ^B0 … ^BZ, except ^BY (the module width, not a symbol).
BARCODE_COMMAND = re.compile(r"\^B(?!Y)[0-9A-Z]")
# GS1-128 with an SSCC: start C, FNC1, ten digit pairs, check character (11 modules and 3
# bars each), stop (13 modules, 4 bars).
SSCC_SYMBOL_MODULES = 13 * 11 + 13
SSCC_SYMBOL_BARS = 13 * 3 + 4
GS1_MIN_X_MM, GS1_MAX_X_MM = 0.495, 1.016
GS1_MIN_BAR_HEIGHT_MM = 31.75
GS1_QUIET_MODULES = 10
PDF_SCALE = 3  # pdfium pixels per PDF point: 216 dpi
PDF_PX_PER_MM = PDF_SCALE * 72 / 25.4
ZPL_PX_PER_MM = 8  # the renderer draws one pixel per printer dot, 8 dots/mm (203 dpi)


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


@pytest.fixture(scope="module")
def pdf_pages() -> list[tuple[LabelData, NDArray[Any], dict[Any, Any]]]:
    """Two labels in one PDF, each page rendered at 216 dpi: the label, the rendering (grey,
    0-255) and the symbols decoded from it; the first page kept as a PNG."""
    labels = [_label(1), replace(_label(2), tracking_url=TRACKING_URL)]
    document = pypdfium2.PdfDocument(render_pdf(labels))
    assert len(document) == 2
    pages = []
    for number, (page, label) in enumerate(zip(document, labels, strict=True), start=1):
        width, height = page.get_size()
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (105, 148)  # A6
        image = page.render(scale=PDF_SCALE).to_pil().convert("L")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        image.save(ARTIFACTS / f"pdf-label-{number}.png")
        found = {r.format: r for r in zxingcpp.read_barcodes(image)}
        pages.append((label, np.asarray(image), found))
    return pages


def test_every_page_of_the_pdf_scans_back_to_its_sscc_and_tracking_link(
        pdf_pages: list[tuple[LabelData, NDArray[Any], dict[Any, Any]]]) -> None:
    for label, _, found in pdf_pages:
        code128 = found[zxingcpp.BarcodeFormat.Code128]
        assert code128.content_type == zxingcpp.ContentType.GS1
        assert code128.text == f"(00){label.sscc}"
        assert found[zxingcpp.BarcodeFormat.QRCode].text == label.tracking_url


def test_the_pdf_sscc_symbol_has_gs1_logistic_label_size_below_the_qr_code(
        pdf_pages: list[tuple[LabelData, NDArray[Any], dict[Any, Any]]]) -> None:
    for _, pixels, found in pdf_pages:
        bars = _assert_gs1_logistic_size(pixels, found[zxingcpp.BarcodeFormat.Code128],
                                         PDF_PX_PER_MM)
        _assert_qr_above(pixels, found[zxingcpp.BarcodeFormat.QRCode], bars)
        _assert_margin_blank(pixels, PDF_PX_PER_MM)


def test_the_zpl_label_carries_the_sscc_in_ucc_ean_mode_and_escapes_umlauts() -> None:
    zpl = render_zpl(_label(7))
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    # 4 dots = 0.5 mm modules, 256 dots = 32 mm bars, centred: (840 - 156 * 4) / 2 = 108
    assert f"^FO108,816^BY4^BCN,256,Y,N,N,D^FD(00){make_sscc('4012345', 7)}^FS" in zpl
    assert "^FDQA,https://shop.example/track/tok7^FS" in zpl
    assert "J_C3_B6rg M_C3_BCller" in zpl  # ö and ü as UTF-8 hex under ^CI28 / ^FH
    assert "^FH^FD" in zpl


def _box(result: Any) -> tuple[int, int, int, int]:
    """left, top, right, bottom of a decoded symbol, in pixels."""
    corners = [result.position.top_left, result.position.top_right,
               result.position.bottom_right, result.position.bottom_left]
    xs, ys = [c.x for c in corners], [c.y for c in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _blank(pixels: NDArray[Any], top: int, bottom: int, left: int, right: int) -> bool:
    """The rectangle lies on the label and holds no black dot."""
    height, width = pixels.shape
    return (0 <= left <= right <= width and 0 <= top <= bottom <= height
            and bool((pixels[top:bottom, left:right] > 127).all()))


def _dark_runs(row: NDArray[Any]) -> int:
    """How many separate dark stretches (bars) a row of pixels crosses."""
    dark = (row <= 127).astype(np.int8)
    return int(dark[0]) + int((np.diff(dark) == 1).sum())


def _assert_gs1_logistic_size(pixels: NDArray[Any], sscc: Any,
                              px_per_mm: float) -> tuple[int, int, int, int]:
    """Measure the SSCC symbol on the rendering: its 43 bars span 156 modules, the first bar
    gives the height, and 10 modules each side are blank over the full height.  The bars'
    left, top, right, bottom in pixels (inclusive)."""
    left, top, right, bottom = _box(sscc)
    row = (top + bottom) // 2
    slack = (right - left) // 20  # zxing's box may stop a few pixels short of the last bar
    start = max(0, left - slack)
    dark = np.flatnonzero(pixels[row, start:right + slack + 1] <= 127) + start
    first, last = int(dark[0]), int(dark[-1])
    assert _dark_runs(pixels[row, first:last + 1]) == SSCC_SYMBOL_BARS  # the whole symbol
    x_mm = (last - first + 1) / SSCC_SYMBOL_MODULES / px_per_mm
    assert GS1_MIN_X_MM <= x_mm <= GS1_MAX_X_MM, x_mm

    column = pixels[:, first + 1] <= 127  # inside the start character's 2-module first bar
    bars_top = bars_bottom = row
    while bars_top > 0 and column[bars_top - 1]:
        bars_top -= 1
    while bars_bottom < len(column) - 1 and column[bars_bottom + 1]:
        bars_bottom += 1
    assert (bars_bottom - bars_top + 1) / px_per_mm >= GS1_MIN_BAR_HEIGHT_MM
    for edge_row in (bars_top + 1, bars_bottom - 1):  # every bar runs the full height
        assert _dark_runs(pixels[edge_row, first:last + 1]) == SSCC_SYMBOL_BARS

    quiet = math.ceil(GS1_QUIET_MODULES * (last - first + 1) / SSCC_SYMBOL_MODULES)
    assert _blank(pixels, bars_top, bars_bottom + 1, first - quiet, first)
    assert _blank(pixels, bars_top, bars_bottom + 1, last + 1, last + 1 + quiet)
    return first, bars_top, last, bars_bottom


def _assert_qr_above(pixels: NDArray[Any], qr: Any, bars: tuple[int, int, int, int]) -> None:
    """The QR code and its 4-module quiet zone end above the SSCC's bars."""
    left, _, right, bottom = _box(qr)
    quiet = math.ceil(4 * (right - left + 1) / (17 + 4 * int(qr.extra["Version"])))
    assert _blank(pixels, bottom + 1, bottom + 1 + quiet, left - quiet, right + 1 + quiet)
    assert bottom + quiet < bars[1]


def _assert_margin_blank(pixels: NDArray[Any], px_per_mm: float) -> None:
    """Nothing within 3 mm of the label's edges: nothing runs off when the printer's
    registration drifts."""
    edge = math.ceil(3 * px_per_mm)
    height, width = pixels.shape
    assert _blank(pixels, 0, edge, 0, width) and _blank(pixels, height - edge, height, 0, width)
    assert _blank(pixels, 0, height, 0, edge) and _blank(pixels, 0, height, width - edge, width)


LONG_LINKS = (80, 160, 300)


def _long_link(length: int) -> str:
    url = "https://www.ein-laengerer-shopname.example/sendungsverfolgung/"
    return url + "x_" * ((length - len(url)) // 2) + "z" * ((length - len(url)) % 2)


@pytest.fixture(scope="module")
def zpl_labels() -> list[tuple[LabelData, str, NDArray[Any], dict[Any, Any]]]:
    """The ZPL label with a tracking token, then one per long link, rendered at 203 dpi (A6)
    in one run of the renderer (its WebAssembly takes seconds to load): for each, the label,
    its ZPL, the rendering and the symbols decoded from it."""
    labels = [replace(_label(7), tracking_url=TRACKING_URL)]
    labels += [replace(_label(3), tracking_url=_long_link(n)) for n in LONG_LINKS]
    zpls = [render_zpl(label) for label in labels]
    for zpl in zpls:
        assert "^PW840" in zpl and "^LL1184" in zpl  # A6, 105 x 148 mm at 8 dots/mm
    pngs = render_zpl_png("".join(zpls), width_mm=105, height_mm=148, dpmm=8,
                          out_prefix=ARTIFACTS / "zpl-label")
    assert len(pngs) == len(labels)
    rendered = []
    for label, zpl, png in zip(labels, zpls, pngs, strict=True):
        image = Image.open(png).convert("L")
        assert image.size == (840, 1184)
        results = zxingcpp.read_barcodes(image)
        found = {r.format: r for r in results}
        assert len(found) == len(results)  # no symbology twice
        rendered.append((label, zpl, np.asarray(image), found))
    return rendered


def test_every_barcode_on_the_zpl_label_scans_back_from_a_203_dpi_rendering(
        zpl_labels: list[tuple[LabelData, str, NDArray[Any], dict[Any, Any]]]) -> None:
    label, zpl, pixels, found = zpl_labels[0]
    # As many symbols decode as the ZPL draws: a barcode added later must be decoded here too.
    assert len(found) == len(BARCODE_COMMAND.findall(zpl)) == 2

    sscc = found[zxingcpp.BarcodeFormat.Code128]
    assert sscc.symbology_identifier == "]C1"  # Code 128 opening with FNC1: GS1-128
    assert sscc.content_type == zxingcpp.ContentType.GS1
    assert sscc.text == f"(00){label.sscc}"
    assert sscc.bytes == b"00" + label.sscc.encode()
    assert is_valid_sscc(sscc.text.removeprefix("(00)"))

    qr = found[zxingcpp.BarcodeFormat.QRCode]
    assert qr.text == TRACKING_URL  # the _ and - of the token survive the ZPL escapes
    assert qr.ec_level == "Q"
    left, top, right, bottom = _box(qr)
    quiet = math.ceil(4 * (right - left + 1) / (17 + 4 * int(qr.extra["Version"])))
    assert _blank(pixels, top - quiet, top, left - quiet, right + 1 + quiet)
    assert _blank(pixels, bottom + 1, bottom + 1 + quiet, left - quiet, right + 1 + quiet)
    assert _blank(pixels, top, bottom, left - quiet, left)
    assert _blank(pixels, top, bottom, right + 1, right + 1 + quiet)


def test_the_zpl_sscc_symbol_has_gs1_logistic_label_size_below_the_qr_code(
        zpl_labels: list[tuple[LabelData, str, NDArray[Any], dict[Any, Any]]]) -> None:
    for _, _, pixels, found in zpl_labels:
        bars = _assert_gs1_logistic_size(pixels, found[zxingcpp.BarcodeFormat.Code128],
                                         ZPL_PX_PER_MM)
        _assert_qr_above(pixels, found[zxingcpp.BarcodeFormat.QRCode], bars)
        _assert_margin_blank(pixels, ZPL_PX_PER_MM)


def test_a_long_tracking_link_shrinks_the_zpl_qr_code_to_stay_on_the_label(
        zpl_labels: list[tuple[LabelData, str, NDArray[Any], dict[Any, Any]]]) -> None:
    for length, (label, _, pixels, found) in zip(LONG_LINKS, zpl_labels[1:], strict=True):
        assert label.tracking_url is not None and len(label.tracking_url) == length
        qr = found[zxingcpp.BarcodeFormat.QRCode]
        assert qr.text == label.tracking_url
        _, _, right, _ = _box(qr)
        assert right < pixels.shape[1] - 8 * 3, length  # 3 mm from the label's right edge
        assert found[zxingcpp.BarcodeFormat.Code128].text == f"(00){label.sscc}"
