"""The hostile corpus (``tests/hostile.py``) through the three ways in: the library, the CLI and
the server (real embedded engine, real HTTP on 127.0.0.1).

Each case must give its result or its typed error with a one-line message, within the test's
deadline; afterwards no temporary file, child process (LibreOffice) or file descriptor is left.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import psutil
import pytest
import requests

from ocr_loaders.errors import InputError
from ocr_loaders.models import OCRResult
from tests import docgen, hostile
from tests.conftest import SERVER_KEY

CASES = hostile.cases()
IDS = [case.name for case in CASES]


def one_line(message: str) -> None:
    assert message and "\n" not in message and len(message) <= 500, message
    assert "Traceback" not in message


def check_result(case: hostile.Case, result: OCRResult, total: int | None) -> None:
    assert case.error is None, f"{case.name}: expected {case.error.__name__}, got a result"
    assert len(result.pages) == case.pages
    assert (total or len(result.pages)) == (case.total or case.pages)
    if case.text:
        assert case.text.lower() in result.text.lower(), result.text


def check_error(case: hostile.Case, exc: InputError) -> None:
    assert case.error is not None, f"{case.name}: unexpected {type(exc).__name__}: {exc}"
    assert isinstance(exc, case.error), f"{case.name}: {type(exc).__name__}: {exc}"
    one_line(str(exc))


def write(case: hostile.Case, folder: Path) -> Path:
    path = folder / f"{case.name}{case.suffix}"
    path.write_bytes(case.data())
    return path


@pytest.mark.timeout(240)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_library(case: hostile.Case, engine, tmp_path: Path) -> None:
    path = write(case, tmp_path)
    try:
        result = engine.recognize(path)
    except InputError as exc:
        check_error(case, exc)
    else:
        check_result(case, result, result.total_pages)
    hostile.TALLY["library"] += 1


@pytest.mark.timeout(240)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli(case: hostile.Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ocr_loaders.cli import main

    path = write(case, tmp_path)
    code = main(["ocr", str(path), "--no-progress"])
    out, err = capsys.readouterr()
    if case.error is None:
        assert code == 0, err
        found = re.search(r"the document has (\d+) pages", err)
        check_result(case, OCRResult.model_validate_json(out), int(found[1]) if found else None)
    else:
        assert code == 2 and not out
        lines = [line for line in err.splitlines() if not line.startswith("note:")]
        assert len(lines) == 1 and lines[0].startswith("error: "), err
        one_line(lines[0])
    hostile.TALLY["cli"] += 1


@pytest.mark.timeout(240)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_server(case: hostile.Case, ocr_server: str) -> None:
    resp = requests.post(
        ocr_server + "/v1/document-ai/ocr",
        headers={"Authorization": f"Bearer {SERVER_KEY}"},
        files={"document": (f"upload{case.suffix}", case.data())},
        timeout=240,
    )
    assert resp.status_code == hostile.http_status(case), resp.text[:300]
    body = resp.json()
    if case.error is None:
        assert len(body["pages"]) == case.pages
        assert body["numBilledPages"] == case.pages
        if case.text:
            assert case.text.lower() in body["text"].lower()
    else:
        error = body["error"]
        assert set(error) == {"message", "type", "code"}
        one_line(error["message"])
        assert SERVER_KEY not in resp.text
        assert "password=" not in error["message"]  # the API takes none: no such advice
    hostile.TALLY["server"] += 1


def _soffice_children() -> list[psutil.Process]:
    kids = psutil.Process().children(recursive=True)
    return [p for p in kids if "soffice" in " ".join(_cmdline(p)).lower()]


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except psutil.Error:
        return []


@pytest.mark.timeout(600)
def test_corpus_leaves_nothing_behind(engine, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole corpus twice in one process: no temp file (ours or LibreOffice's: each
    spreadsheet left an empty ``lu*.tmp``), LibreOffice process or descriptor survives it,
    and the second pass gives the same outcomes as the first."""
    # the engine's models loaded first: what they keep open is not the corpus's
    engine.recognize(docgen.image_bytes(docgen.render_lines(["warm"]), "PNG"))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    inputs = tmp_path / "in"
    inputs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("TMPDIR", str(scratch))  # LibreOffice's own (``lu*.tmp``) too
    paths = [write(case, inputs) for case in CASES]
    outcomes: list[list[str]] = []
    fds_before = len(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").exists() else None
    for _ in range(2):
        seen = []
        for path in paths:
            try:
                seen.append(json.dumps(len(engine.recognize(path).pages)))
            except InputError as exc:
                seen.append(type(exc).__name__)
        outcomes.append(seen)
    assert outcomes[0] == outcomes[1]
    assert list(scratch.iterdir()) == []
    assert _soffice_children() == []
    if fds_before is not None:
        assert len(os.listdir("/proc/self/fd")) <= fds_before + 2
    hostile.TALLY["library (leak check, 2 passes)"] += 2 * len(CASES)
