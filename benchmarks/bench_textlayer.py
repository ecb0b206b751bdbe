"""Born-digital PDFs: reading the text layer against OCR of the same pages, in one run.

For every PDF of ``../shared/eval/pdfs`` the embedded engine runs twice, each warm: as users
get it (``LocalEngine()``: the text layer where it is usable, OCR for the other pages) and
with OCR forced (``LocalEngine(use_text_layer=False)``). Predictions are written in the API's
shape and scored with the evaluation's ``score.py``; the table gives per document its kind,
pages, seconds per page, pages per second and the scores.

    python benchmarks/bench_textlayer.py [--eval ../shared/eval] [--out .bench/textlayer]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_EVAL = (HERE.parent.parent / "shared" / "eval").resolve()
MODES = {"text layer": True, "OCR forced": False}
METRICS = ["CER", "CER_ns", "BoW_F1", "Chr_F1", "Det_F1"]


def run_mode(pdfs: list[tuple[Path, dict[str, Any]]], use_text_layer: bool,
             pred_dir: Path) -> dict[str, tuple[int, float]]:
    """Recognise every PDF; id -> (pages, seconds)."""
    from ocr_loaders.engines.local import LocalEngine

    engine = LocalEngine(use_text_layer=use_text_layer)
    engine._load()  # warm: model load time is not part of the figures
    engine._tesseract()
    timings: dict[str, tuple[int, float]] = {}
    for path, gt in pdfs:
        start = time.perf_counter()
        result = engine.recognize(path.read_bytes())
        elapsed = time.perf_counter() - start
        dest = pred_dir / "pdfs" / f"{gt['id']}.json"
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(json.dumps(result.to_api_dict(), ensure_ascii=False))
        timings[gt["id"]] = (len(result.pages), elapsed)
    return timings


def score(eval_dir: Path, pred_dir: Path) -> dict[str, dict[str, Any]]:
    """id -> the scores of ``score.py`` for that document."""
    out = pred_dir / "score.json"
    subprocess.run([sys.executable, str(eval_dir / "score.py"), "--pred", str(pred_dir),
                    "--gt", str(eval_dir), "--datasets", "pdfs", "--json-out", str(out)],
                   check=True, capture_output=True)
    return {d["id"]: d for d in json.loads(out.read_text())["docs"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    ap.add_argument("--out", type=Path, default=Path(".bench/textlayer"))
    args = ap.parse_args()
    pdfs = []
    for js in sorted((args.eval / "pdfs").glob("*.json")):
        gt = json.loads(js.read_text())
        pdfs.append((js.with_suffix(".pdf"), gt))
    print("| document | kind | pages | mode | s/page | pages/s | "
          + " | ".join(METRICS) + " |")
    print("|---|---|---|---|---|---|" + "---|" * len(METRICS))
    results = {}
    for mode, layer in MODES.items():
        pred_dir = args.out / mode.replace(" ", "_")
        timings = run_mode(pdfs, layer, pred_dir)
        results[mode] = (timings, score(args.eval, pred_dir))
    for _, gt in pdfs:
        for mode, (timings, scores) in results.items():
            pages, seconds = timings[gt["id"]]
            row = scores[gt["id"]]
            cells = " | ".join(f"{row[m]:.3f}" if m in row else "-" for m in METRICS)
            print(f"| {gt['id']} | {gt.get('kind', '?')} | {pages} | {mode} | "
                  f"{seconds / pages:.3f} | {pages / seconds:.1f} | {cells} |")


if __name__ == "__main__":
    main()
