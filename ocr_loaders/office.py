"""DOCX, PPTX and XLSX to PDF with LibreOffice, headless, isolated and bounded in time.

Each conversion runs in its own temporary directory with its own LibreOffice profile (so
concurrent conversions do not fight over one profile lock), in a new process group that is
killed whole on timeout. Zip bombs are refused from the zip directory before LibreOffice runs.

Spreadsheets are not converted with ``--convert-to``: Calc prints a cell's text clipped where the
next cell holds a value ("cherry tomatoes" | 100 printed as "cherry tom" | 100) and numbers too
wide for their column as "###", so the PDF, and any OCR of it, silently loses text. They go
through a small Basic macro instead (``_SPREADSHEET_MACRO``) that undoes merged cells (Calc's
optimal width ignores them, so a heading merged over short columns was clipped), widens every
visible column of the used area to fit its contents (never narrower than it was; a column that
would pass ``MAX_COLUMN_WIDTH_MM`` keeps that width and wraps its text), gives the visible rows
their optimal height (hidden rows stay hidden), scales each sheet to one page wide (Calc prints
the columns that do not fit on further pages, which split every row: a row reads as one line
now, and a 40-column sheet is 1 page instead of 6) and then exports the PDF the same way.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

from ocr_loaders.errors import ConversionError, CorruptDocumentError, DocumentTooLargeError
from ocr_loaders.inputs import DocumentFormat, Limits, size_text

logger = logging.getLogger("ocr_loaders")

_CANDIDATES = ("soffice", "libreoffice")

MAX_COLUMN_WIDTH_MM = 120
"""Widest a spreadsheet column is made to fit its text; wider text wraps in it."""

_SPREADSHEET_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1"
 script:language="StarBasic">
Sub ToPdf(src As String, dst As String)
  Dim doc As Object
  On Error GoTo Failed
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = &quot;Hidden&quot;
  load(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(src), &quot;_blank&quot;, 0, load())
  If IsNull(doc) Then Exit Sub
  sheets = doc.getSheets()
  For i = 0 To sheets.getCount() - 1
    sheet = sheets.getByIndex(i)
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    used = cursor.getRangeAddress()
    area = sheet.getCellRangeByPosition(0, 0, used.EndColumn, used.EndRow)
    area.merge(False)
    For c = 0 To used.EndColumn
      column = sheet.getColumns().getByIndex(c)
      If column.IsVisible Then
        before = column.Width
        column.OptimalWidth = True
        If column.Width &lt; before Then column.Width = before
        If column.Width &gt; {max_width} Then
          column.Width = {max_width}
          column.IsTextWrapped = True
        End If
      End If
    Next c
    visible = area.queryVisibleCells()
    For k = 0 To visible.getCount() - 1
      visible.getByIndex(k).getRows().OptimalHeight = True
    Next k
    style = doc.getStyleFamilies().getByName(&quot;PageStyles&quot;).getByName(sheet.PageStyle)
    style.ScaleToPagesX = 1
    style.ScaleToPagesY = 0
  Next i
  Dim export(0) As New com.sun.star.beans.PropertyValue
  export(0).Name = &quot;FilterName&quot;
  export(0).Value = &quot;calc_pdf_Export&quot;
  doc.storeToURL(ConvertToURL(dst), export())
  doc.close(True)
  Exit Sub
Failed:
  On Error Resume Next
  If Not IsNull(doc) Then doc.close(True)
End Sub
</script:module>
""".replace("{max_width}", str(MAX_COLUMN_WIDTH_MM * 100))
"""The macro (Basic; widths in 1/100 mm). Any error ends it without a PDF, which is reported
as a failed conversion."""


def find_soffice() -> str | None:
    """Path of the LibreOffice binary (``OCR_LOADERS_SOFFICE`` overrides), or None."""
    override = os.environ.get("OCR_LOADERS_SOFFICE")
    if override:
        return override if Path(override).exists() else shutil.which(override)
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse damaged zips and zip bombs before LibreOffice sees them.

    The declared sizes are checked first (cheap); then every member is decompressed in
    bounded chunks and counted, because a crafted zip can declare small sizes and unpack to
    gigabytes (its CRC check fails when the data disagrees with the header).
    """
    limit = limits.max_unzipped_bytes
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            _refuse_bomb(sum(info.file_size for info in infos), limit)
            total = 0
            for info in infos:
                with zf.open(info) as member:
                    while chunk := member.read(1 << 20):
                        total += len(chunk)
                        _refuse_bomb(total, limit)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError,
            ValueError, RuntimeError, zlib.error) as exc:
        raise CorruptDocumentError(f"damaged Office document: {exc}") from None


def _refuse_bomb(total: int, limit: int) -> None:
    if total > limit:
        raise DocumentTooLargeError(
            f"Office document unpacks to more than {size_text(total)}; "
            f"the limit is {size_text(limit)}"
        )


def convert_to_pdf(data: bytes, fmt: DocumentFormat, *, limits: Limits) -> bytes:
    """Convert an Office document to PDF bytes; raises ConversionError on any failure."""
    check_zip(data, limits)
    soffice = find_soffice()
    if soffice is None:
        raise ConversionError(
            f"{fmt.value.upper()} needs LibreOffice: install it (Debian: apt-get install "
            "libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui)"
        )
    with tempfile.TemporaryDirectory(prefix="ocr-loaders-office-") as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / f"document.{fmt.value}"
        src.write_bytes(data)
        out = tmpdir / "out" / "document.pdf"
        base = [soffice, f"-env:UserInstallation={(tmpdir / 'profile').as_uri()}", "--headless",
                "--norestore", "--nolockcheck"]
        scratch = tmpdir / "tmp"  # LibreOffice's own temp files (``lu*.tmp``) go here too
        scratch.mkdir()
        total = limits.conversion_timeout
        deadline = time.monotonic() + total
        if fmt is DocumentFormat.XLSX:
            # a new profile first (LibreOffice replaces a macro library written before it
            # has made its profile), then the macro in it
            _run([*base, "--terminate_after_init"], deadline, total, fmt, scratch)
            module = tmpdir / "profile" / "user" / "basic" / "Standard" / "Module1.xba"
            if not module.parent.is_dir():
                raise ConversionError("LibreOffice did not set up its profile")
            module.write_text(_SPREADSHEET_MACRO, encoding="utf-8")
            out.parent.mkdir()
            _run([*base, f'macro:///Standard.Module1.ToPdf("{src}","{out}")'], deadline,
                 total, fmt, scratch)
            if out.exists() and out.stat().st_size:
                return out.read_bytes()
            # the macro stopped on an error of its own: print the sheets as they are (a cell's
            # text may be clipped) rather than fail
            logger.warning("spreadsheet columns could not be fitted; converting as it is")
        _run([*base, "--convert-to", "pdf", "--outdir", str(out.parent), str(src)], deadline,
             total, fmt, scratch)
        if not out.exists() or out.stat().st_size == 0:
            raise ConversionError(
                f"LibreOffice could not convert the {fmt.value.upper()} (damaged document?)"
            )
        return out.read_bytes()


def _run(cmd: list[str], deadline: float, total: float, fmt: DocumentFormat,
         scratch: Path) -> None:
    """Run one LibreOffice step, killed at ``deadline`` (the whole conversion's, ``total``
    seconds from its start), with its temp files in ``scratch`` (the conversion's own
    directory, removed with it: in the system's, each spreadsheet left an empty ``lu*.tmp``)."""
    timeout = max(deadline - time.monotonic(), 0.001)
    env = {**os.environ, "HOME": os.environ.get("HOME", tempfile.gettempdir()),
           "TMPDIR": str(scratch), "TMP": str(scratch), "TEMP": str(scratch)}
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ConversionError(
            f"LibreOffice did not convert the {fmt.value.upper()} within {total:.0f} s"
        ) from None
    finally:
        if proc.poll() is None:
            _kill_group(proc)
    if proc.returncode != 0:
        detail = (err or b"").decode("utf-8", "replace").strip().splitlines()
        raise ConversionError(
            f"LibreOffice failed on the {fmt.value.upper()} (exit {proc.returncode})"
            + (f": {detail[-1]}" if detail else "")
        )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
