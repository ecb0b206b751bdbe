"""Corpus runs on a local Ray (2 CPUs): rows equal what OCRLoader gives for the same files,
failed files become error rows, a re-run skips what is done, and the loaders read the output
back without OCRing again."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("ray")
pytest.importorskip("langchain_core")

from ocr_loaders import batch
from tests import docgen
from tests.frameworks import PAGE1, write_corpus


@pytest.fixture(scope="module")
def local_ray():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             configure_logging=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Four image formats (6 pages), a DOCX, and two files that must fail."""
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder)
    (folder / "office").mkdir()
    (folder / "office" / "letter.docx").write_bytes(docgen.docx_bytes(PAGE1))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(300))
    (folder / "notes.png").write_bytes(b"")
    (folder / "readme.txt").write_text("not a document")  # not listed at all
    return folder


@pytest.fixture(scope="module")
def first_run(local_ray, corpus, tmp_path_factory):
    from ocr_loaders.ray import run

    out = tmp_path_factory.mktemp("out") / "pages"
    report = run(str(corpus), str(out), concurrency=2)
    return out, report


def _expected(corpus: Path) -> list[dict]:
    """What OCRLoader gives for every good file, as comparable metadata + text."""
    from ocr_loaders.langchain import OCRLoader

    good = [p for p in batch.list_files(str(corpus)) if Path(p).name not in
            ("broken.pdf", "notes.png")]
    docs = OCRLoader(good).load()
    return [_comparable(d.page_content, d.metadata) for d in docs]


def _comparable(text: str, metadata: dict) -> dict:
    return {"text": text, **metadata}


def test_rows_equal_what_the_loader_gives(first_run, corpus) -> None:
    out, report = first_run
    assert (report.files, report.pages, report.errors, report.skipped) == (7, 7, 2, 0)
    got = [_comparable(r.text, r.metadata) for r in batch.read_records(str(out))]
    expected = sorted(_expected(corpus), key=lambda m: (m["source"], m["page"]))
    assert [(g["source"], g["page"]) for g in got] == [
        (e["source"], e["page"]) for e in expected
    ]
    assert got == expected
    assert any("Revenue grew" in g["text"] for g in got)


def test_every_row_has_the_issue_columns(first_run) -> None:
    out, _ = first_run
    rows = list(batch.read_rows(str(out)))
    assert len(rows) == 9
    for row in rows:
        assert list(row) == list(batch.COLUMNS)
    good = [r for r in rows if not r["error_type"]]
    assert all(r["engine"] == "local" and r["model_version"] for r in good)
    assert all(json.loads(r["words"]) and r["confidence"] > 0.5 for r in good)


def test_failed_files_are_typed_error_rows(first_run, corpus) -> None:
    out, report = first_run
    failures = {Path(f["source"]).name: f for f in report.failed}
    assert set(failures) == {"broken.pdf", "notes.png"}
    assert failures["notes.png"]["error_type"] == "CorruptDocumentError"
    assert failures["notes.png"]["error"] == f"empty document (0 bytes): {corpus / 'notes.png'}"
    assert failures["broken.pdf"]["error_type"].endswith("Error")
    assert "\n" not in failures["broken.pdf"]["error"]
    assert {Path(f["source"]).name for f in batch.failed(str(out))} == set(failures)


def test_rerun_skips_done_files_and_picks_up_new_ones(first_run, corpus, tmp_path) -> None:
    from ocr_loaders.ray import run

    out, _ = first_run
    before = batch.output_files(str(out))
    again = run(str(corpus), str(out), concurrency=2)
    assert (again.pages, again.skipped) == (0, 5)  # only the two bad files were tried again
    assert again.errors == 2
    assert len(list(batch.read_records(str(out)))) == 7

    new_dir = tmp_path / "more"
    new_dir.mkdir()
    (new_dir / "new.png").write_bytes(
        docgen.image_bytes(docgen.render_lines(["Fresh page added later"], size=32,
                                               width=900), "PNG"))
    for name in ("report.png", "notes.jpg"):
        (new_dir / name).write_bytes((corpus / name).read_bytes())  # same content, new name
    more = run(str(new_dir), str(out), concurrency=1)
    assert (more.files, more.pages, more.skipped) == (3, 1, 2)
    assert len(batch.output_files(str(out))) > len(before)


def test_jsonl_output_and_the_cli(local_ray, corpus, tmp_path, capsys) -> None:
    from ocr_loaders.cli import main

    out = tmp_path / "jsonl"
    code = main(["batch", str(corpus / "office"), "--out", str(out), "--format", "jsonl",
                 "--concurrency", "1"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "1 files: 1 pages written, 0 failed" in printed
    files = batch.output_files(str(out))
    assert files and all(f.endswith(".json") or f.endswith(".jsonl") for f in files)
    (record,) = batch.read_records(str(out))
    assert record.metadata["source"].endswith("letter.docx")
    assert "Quarterly report 2024" in record.text

    code = main(["batch", str(corpus), "--out", str(tmp_path / "p"), "--concurrency", "2"])
    assert code == 1  # some files failed: listed, exit code says so
    assert "failed:" in capsys.readouterr().out
    # the same records as the Parquet output, floats to the last digit (pandas, under Ray's
    # write_json, wrote 10 significant digits: a confidence 0.9468854285714287 came back
    # 0.9468854286)
    assert main(["batch", str(corpus), "--out", str(tmp_path / "j"), "--format", "jsonl",
                 "--concurrency", "2"]) == 1
    as_jsonl = list(batch.read_records(str(tmp_path / "j")))
    as_parquet = list(batch.read_records(str(tmp_path / "p")))
    assert len(as_jsonl) == len(as_parquet) > 5
    assert [(r.text, r.metadata) for r in as_jsonl] == [(r.text, r.metadata) for r in as_parquet]
    assert any(len(repr(r.metadata["confidence"])) > 12 for r in as_jsonl)


def test_missing_input_is_a_clear_cli_error(capsys, tmp_path) -> None:
    from ocr_loaders.cli import main

    assert main(["batch", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_langchain_loader_reads_the_output_without_ocr(first_run) -> None:
    from ocr_loaders.langchain import OCRBatchLoader

    out, _ = first_run
    docs = OCRBatchLoader(str(out)).load()
    assert len(docs) == len(list(batch.read_records(str(out)))) >= 7
    assert all(d.metadata["words"] and d.metadata["page"] >= 1 for d in docs)
    filtered = OCRBatchLoader(str(out), min_confidence=1.0).load()
    # every word under 1.0 goes (a text layer's words are 1.0 and stay)
    below = [sum(w["confidence"] < 1.0 for w in d.metadata["words"]) for d in docs]
    assert [d.metadata.get("dropped_words", 0) for d in filtered] == below and any(below)


def test_llama_index_reader_reads_the_output_with_stable_ids(first_run) -> None:
    pytest.importorskip("llama_index.core")
    from ocr_loaders.llama_index import OCRBatchReader

    out, _ = first_run
    docs = OCRBatchReader().load_data(str(out))
    assert len(docs) == len(list(batch.read_records(str(out)))) >= 7
    assert all(d.id_ == f"{d.metadata['source']}#page={d.metadata['page']}" for d in docs)
    assert "words" in docs[0].excluded_embed_metadata_keys


def test_jsonl_rows_round_trip_odd_values(tmp_path) -> None:
    """A NaN confidence is written as null (it is no JSON), and a page text holding U+2028,
    U+2029 or U+0085 reads back whole (``splitlines`` cut the line there)."""
    from ray.data.block import BlockAccessor

    from ocr_loaders.ray import _JSONLines

    rows = [dict.fromkeys(batch.COLUMNS) for _ in range(2)]
    rows[0].update(source="a.png", page=1, text="x\u2028y\u2029z\u0085w",
                   confidence=0.9468854285714287, words="[]", content_sha256="h1")
    rows[1].update(source="b.png", page=1, text="t", confidence=float("nan"), words="[]",
                   content_sha256="h2")
    out = tmp_path / "rows.jsonl"
    with out.open("wb") as handle:
        _JSONLines(str(tmp_path)).write_block_to_file(
            BlockAccessor.for_block(batch.to_table(rows)), handle)
    back = list(batch.read_rows(str(out)))
    assert [r["text"] for r in back] == ["x\u2028y\u2029z\u0085w", "t"]
    assert back[0]["confidence"] == 0.9468854285714287 and back[1]["confidence"] is None
