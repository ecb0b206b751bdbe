"""DOCX, PPTX and XLSX to PDF with LibreOffice, headless, isolated and bounded in time.

Each conversion runs in its own temporary directory with its own LibreOffice profile (so
concurrent conversions do not fight over one profile lock), in a new process group that is
killed whole on timeout. Zip bombs are refused from the zip directory before LibreOffice runs.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
import zlib
from pathlib import Path

from ocr_loaders.errors import ConversionError, CorruptDocumentError, DocumentTooLargeError
from ocr_loaders.inputs import DocumentFormat, Limits, size_text

_CANDIDATES = ("soffice", "libreoffice")


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
        profile = (tmpdir / "profile").as_uri()
        cmd = [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmpdir / "out"),
            str(src),
        ]
        _run(cmd, limits.conversion_timeout, fmt)
        out = tmpdir / "out" / "document.pdf"
        if not out.exists() or out.stat().st_size == 0:
            raise ConversionError(
                f"LibreOffice could not convert the {fmt.value.upper()} (damaged document?)"
            )
        return out.read_bytes()


def _run(cmd: list[str], timeout: float, fmt: DocumentFormat) -> None:
    env = {**os.environ, "HOME": os.environ.get("HOME", tempfile.gettempdir())}
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
            f"LibreOffice did not convert the {fmt.value.upper()} within {timeout:.0f} s"
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
