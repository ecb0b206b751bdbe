"""Slanted pages: the embedded engine with and without ``deskew`` on eval pages turned by a few
degrees, in one run.

Each page of ``../shared/eval`` (the first ``--per`` of each dataset) is turned so that its
text slopes by each of ``--angles`` degrees (clockwise positive; 0 is the page as it is), the
ground-truth word boxes turned the same way (their upright envelopes, as the scorer compares
upright boxes), and read by ``LocalEngine(deskew=True)`` and ``LocalEngine(deskew=False)``
(the same loaded models). Scores come from the evaluation's own ``score.py`` (CER, BoW_F1,
Chr_F1, Det_F1 over each dataset's pages, pooled).

    python benchmarks/bench_skew.py [--eval ../shared/eval] [--angles 0,2,-4] [--per 3]
                                    [--datasets en_funsd,ko_court_decisions,...]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ocr_loaders.engines.deskew import turn_for
from ocr_loaders.engines.local import LocalEngine
from ocr_loaders.models import Page

HERE = Path(__file__).resolve().parent
DEFAULT_EVAL = (HERE.parent.parent / "shared" / "eval").resolve()
DATASETS = ("en_funsd,en_scribe_benchmark,en_docbank,ko_court_decisions,ja_mhlw_forms,"
            "zh_pumpkin_book")
Box = tuple[list[float], str]


def _scorer(eval_dir: Path) -> Any:
    spec = importlib.util.spec_from_file_location("score", eval_dir / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _skewed(image: Image.Image, degrees: float) -> tuple[Image.Image, np.ndarray]:
    """The page with its text sloping by ``degrees``, and the 3x3 map of the page's pixels
    into the turned one's."""
    turn = turn_for(-degrees, image.width, image.height)
    a, b, c, d, e, f = turn.matrix()
    to_turned = np.linalg.inv(np.array([[a, b, c], [d, e, f], [0.0, 0.0, 1.0]]))
    return turn.apply(image), to_turned


def _gt_boxes(words: list[dict[str, Any]], to_turned: np.ndarray) -> list[Box]:
    out: list[Box] = []
    for w in words:
        x0, y0, x1, y1 = w["bbox"]
        corners = to_turned @ np.array([[x0, x1, x1, x0], [y0, y0, y1, y1], [1, 1, 1, 1]])
        out.append(([float(corners[0].min()), float(corners[1].min()),
                     float(corners[0].max()), float(corners[1].max())], w["text"]))
    return out


def _pred_boxes(page: Page) -> list[Box]:
    out: list[Box] = []
    for w in page.words:
        xs = [v.x for v in w.bounding_box.vertices]
        ys = [v.y for v in w.bounding_box.vertices]
        out.append(([min(xs), min(ys), max(xs), max(ys)], w.text))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    ap.add_argument("--angles", default="0,2,-4")
    ap.add_argument("--per", type=int, default=3, help="pages per dataset")
    ap.add_argument("--datasets", default=DATASETS)
    args = ap.parse_args()
    score = _scorer(args.eval)
    angles = [float(a) for a in args.angles.split(",")]
    engines = {"on": LocalEngine(deskew=True), "off": LocalEngine(deskew=False)}
    engines["off"]._rapid = engines["on"]._load()
    totals: dict[tuple[str, float, str], Any] = {}
    for dataset in args.datasets.split(","):
        for path in sorted((args.eval / dataset).glob("*.json"))[:args.per]:
            gt = json.loads(path.read_text())
            image = Image.open(args.eval / dataset / gt["image"]).convert("RGB")
            for degrees in angles:
                turned, to_turned = _skewed(image, degrees)
                gt_words = _gt_boxes(gt.get("words") or [], to_turned)
                for name, engine in engines.items():
                    page = engine.recognize_image(turned)
                    unit = score.score_unit(gt["text"], page.text, gt_words, _pred_boxes(page),
                                            0.5, bool(gt_words))
                    key = (dataset, degrees, name)
                    if key in totals:
                        totals[key].add(unit)
                    else:
                        totals[key] = unit
            print(f"{dataset}/{path.stem} done", file=sys.stderr, flush=True)
    print("| dataset | degrees | deskew | CER | BoW_F1 | Chr_F1 | Det_F1 |")
    print("|---|---|---|---|---|---|---|")
    for (dataset, degrees, name), acc in sorted(totals.items()):
        s = acc.summary()
        print(f"| {dataset} | {degrees:+g} | {name} | {s['CER']:.3f} | {s['BoW_F1']:.3f} | "
              f"{s['Chr_F1']:.3f} | {s.get('Det_F1', float('nan')):.3f} |")


if __name__ == "__main__":
    main()
