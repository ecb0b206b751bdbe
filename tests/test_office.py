"""DOCX, PPTX and XLSX through LibreOffice, and their failure modes."""

from __future__ import annotations

import io
import shutil
import zipfile

import pytest

from ocr_loaders.errors import ConversionError, CorruptDocumentError, DocumentTooLargeError
from ocr_loaders.inputs import DocumentFormat, Limits, open_document
from tests import docgen

pytestmark = [
    pytest.mark.office,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed"),
]


def test_docx_text_is_read(engine) -> None:
    data = docgen.docx_bytes(["Contract number 4521", "Signed in Seoul"])
    result = engine.recognize(data)
    assert docgen.cer(result.text, "Contract number 4521\nSigned in Seoul") < 0.05, result.text
    assert result.pages[0].width == 2550  # Letter width at 300 DPI


def test_pptx_and_xlsx_are_read(engine) -> None:
    pptx = engine.recognize(docgen.pptx_bytes("Quarterly Review", "Sales doubled"))
    assert "Quarterly" in pptx.text and "doubled" in pptx.text
    xlsx = engine.recognize(docgen.xlsx_bytes([["Item", "Price"], ["Apples", 42]]))
    assert "Apples" in xlsx.text and "42" in xlsx.text


def test_office_formats_sniffed_regardless_of_name(tmp_path) -> None:
    path = tmp_path / "slides.png"
    path.write_bytes(docgen.pptx_bytes("A", "B"))
    assert open_document(path).format is DocumentFormat.PPTX


def test_zip_bomb_refused_before_conversion() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * (2 * 1024 * 1024))
    with pytest.raises(DocumentTooLargeError, match="unpacks"):
        open_document(buf.getvalue(), limits=Limits(max_unzipped_bytes=1024 * 1024))


def test_damaged_docx_gives_conversion_error() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<not really word")
    with pytest.raises((ConversionError, CorruptDocumentError)):
        open_document(buf.getvalue())


def test_missing_libreoffice_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setenv("OCR_LOADERS_SOFFICE", "/nonexistent/soffice")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ConversionError, match="LibreOffice"):
        open_document(docgen.docx_bytes(["x"]))


def test_conversion_timeout_kills_libreoffice() -> None:
    with pytest.raises(ConversionError, match="within"):
        open_document(docgen.docx_bytes(["slow"]), limits=Limits(conversion_timeout=0.05))
