"""The ocr-loaders command as a user runs it."""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import docgen

SAMPLE = Path(__file__).parent.parent / "ocr_loaders" / "samples" / "sample.png"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ocr_loaders.cli", *args], capture_output=True, text=True,
        timeout=300,
    )


def test_sample_prints_api_json() -> None:
    proc = _run("ocr", str(SAMPLE))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["apiVersion"] == "1.1" and data["numBilledPages"] == 1
    assert "hello, world" in data["text"]
    assert "서울특별시" in data["text"]
    assert data["pages"][0]["words"][0]["boundingBox"]["vertices"][0].keys() == {"x", "y"}


def test_text_format_and_pages(tmp_path) -> None:
    pages = [docgen.render_lines([f"Sheet {n}"], width=500) for n in ("one", "two", "three")]
    path = tmp_path / "doc.pdf"
    path.write_bytes(docgen.pdf_from_images(pages))
    proc = _run("ocr", str(path), "--pages", "2-3", "--format", "text")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["Sheet", "two", "Sheet", "three"]
    assert proc.stdout.split("\f") == ["Sheet two\n", "Sheet three\n"]  # a page each


def test_bad_input_is_one_line_without_traceback(tmp_path) -> None:
    cases = {
        "notes.txt": b"just text",
        "broken.png": b"\x89PNG\r\n\x1a\n\x00\x00",
        "empty.pdf": b"",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        proc = _run("ocr", str(path))
        assert proc.returncode == 2, (name, proc.stderr)
        assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
        assert "Traceback" not in proc.stderr
    proc = _run("ocr", str(tmp_path / "missing.png"))
    assert proc.returncode == 2 and "not found" in proc.stderr


def test_an_unknown_engine_or_a_cache_file_that_is_not_one_is_a_usage_error(tmp_path) -> None:
    for command in (["ocr", str(SAMPLE), "--engine", "nonsense"], ["serve", "--engine", "x"]):
        proc = _run(*command)
        assert proc.returncode == 2 and "invalid choice" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    bad = tmp_path / "bad.db"
    bad.write_bytes(bytes(range(256)) * 12)
    for command in (["ocr", str(SAMPLE), "--cache", str(bad)], ["cache", "--path", str(bad),
                                                               "info"]):
        proc = _run(*command)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("error: cannot use") and proc.stderr.count("\n") == 1
    from ocr_loaders.cache import ResultCache
    from ocr_loaders.errors import CacheError

    with pytest.raises(CacheError):
        ResultCache(bad)


def test_serve_refuses_bad_pool_sizes_and_timeouts_as_usage_errors() -> None:
    """``--queue -1`` (or ``--workers -2``) ended in a ValueError traceback after the engine was
    loaded, exit 1; ``--workers 0`` silently meant 'CPU count'. They are usage errors now."""
    from ocr_loaders.cli import main

    for bad in (["--workers", "0"], ["--workers", "-2"], ["--queue", "-1"],
                ["--upload-timeout", "0"], ["--job-timeout", "-5"], ["--job-timeout", "nan"],
                ["--port", "70000"]):
        with pytest.raises(SystemExit) as info:
            main(["serve", *bad])
        assert info.value.code == 2, bad


def test_python_dash_m_runs_the_command() -> None:
    proc = subprocess.run([sys.executable, "-m", "ocr_loaders", "ocr", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "usage: ocr-loaders ocr" in proc.stdout


def test_output_piped_into_head_is_not_an_error() -> None:
    """``ocr-loaders ocr scan | head``: the reader closes the pipe early; exit 0, no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ocr_loaders.cli", "ocr", str(SAMPLE), "--indent", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    if hasattr(fcntl, "F_SETPIPE_SZ"):  # a 4 KiB pipe: the JSON cannot fit before we close
        fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, 4096)
    assert proc.stdout.read(10).startswith(b"{")
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err


def _text_layer_pdf(texts: list[str]) -> bytes:
    """A born-digital PDF (Helvetica text, read from its layer: no OCR, fast)."""
    import io

    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
    for text in texts:
        page = pdf.add_blank_page(page_size=(300, 100))
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Contents = pdf.make_stream(f"BT /F1 20 Tf 20 40 Td ({text}) Tj ET".encode())
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def test_pages_cut_by_the_page_limit_are_noted(tmp_path) -> None:
    """``--pages 1-32`` of a 32-page PDF processes the first 30 (the API's limit); that was
    said only without ``--pages``: pages 31-32 were left out without a word."""
    pytest.importorskip("pikepdf")
    path = tmp_path / "long.pdf"
    path.write_bytes(_text_layer_pdf([f"Page {n}" for n in range(1, 33)]))
    proc = _run("ocr", str(path), "--pages", "1-32", "--format", "text")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-1] == "30"
    assert "32 pages were selected; only the first 30 (up to page 30)" in proc.stderr
    proc = _run("ocr", str(path), "--pages", "3-32", "--format", "text")
    assert proc.returncode == 0 and "the first 30" not in proc.stderr  # all 30 processed
    assert proc.stdout.split()[-1] == "32"
