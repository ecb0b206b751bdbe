"""Accuracy, speed and memory of the embedded engine against the alternatives, in one run.

Runs every engine over a directory in the format of ``../shared/eval`` (images; ``pdfs/`` are
rendered page by page at 200 DPI), writes predictions in the API's shape to
``PRED/<engine>/<dataset>/<id>.json``, scores them with the evaluation's own ``score.py`` and
prints, per dataset and engine: CER, CER_ns, WER, BoW_F1, Chr_F1, Det_F1, warm seconds per
page, model load time and peak RSS, plus the ratios of ours to each alternative.

Each engine runs in its own child process, one after the other, so peak RSS and timings are
its own. Alternatives, as a user would otherwise pick them:

* ``tesseract``: Tesseract 5 alone via tesserocr, language per dataset (what LangChain's
  ``TesseractBlobParser`` does), word boxes from the word iterator;
* ``ppocrv4``: ``rapidocr-onnxruntime`` defaults (PP-OCRv4; LangChain's ``RapidOCRBlobParser``);
* ``ppocrv6``: ``rapidocr`` 3 defaults (PP-OCRv6 small), word boxes on.

Needs the ``bench`` extra (``pip install -e ".[bench]"``: ``rapidocr-onnxruntime`` for PP-OCRv4).

``BENCH_REC_BATCH_SIZE``, ``BENCH_REC_BATCH_WIDTH``, ``BENCH_RUNTIME`` and ``BENCH_DET_LIMIT``
set ours' ``rec_batch_size``, ``rec_batch_width``, ``runtime`` and ``det_limit_side_len``
(defaults 6, 60, auto and 1280).

Usage::

    python benchmarks/bench_engines.py [--eval ../shared/eval] [--engines ours,tesseract,...]
                                       [--datasets en_funsd,...] [--limit N] [--out .bench]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_EVAL = (HERE.parent.parent / "shared" / "eval").resolve()
ENGINES = ["ours", "tesseract", "ppocrv4", "ppocrv6"]
TESS_LANG = {"en": "eng", "ko": "kor+eng", "ja": "jpn+eng", "zh": "chi_sim+eng"}
METRICS = ["CER", "CER_ns", "WER", "BoW_F1", "Chr_F1", "Det_F1"]


# --- child: run one engine ---------------------------------------------------------------------


def _items(eval_dir: Path, datasets: list[str] | None, limit: int | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for ds_dir in sorted(p for p in eval_dir.iterdir() if p.is_dir()):
        if datasets and ds_dir.name not in datasets:
            continue
        count = 0
        for js in sorted(ds_dir.glob("*.json")):
            gt = json.loads(js.read_text())
            if "dataset" not in gt:
                continue
            file = ds_dir / (gt.get("image") or gt.get("file") or gt.get("pdf") or "")
            if not file.is_file():
                continue
            items.append({"dataset": ds_dir.name, "id": gt["id"], "file": str(file),
                          "lang": gt.get("lang", "en")})
            count += 1
            if limit and count >= limit:
                break
    return items


def _pages(path: str) -> Iterator[Any]:
    """The file's pages as RGB images, rendered one at a time (PDFs at 200 DPI) so that peak
    RSS measures one page, as the loaders read documents."""
    from PIL import Image

    if path.lower().endswith(".pdf"):
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(path)
        for i in range(len(doc)):
            yield doc[i].render(scale=200 / 72).to_pil().convert("RGB")
        doc.close()
        return
    yield Image.open(path).convert("RGB")


def _word(text: str, conf: float, quad: Any, wid: int) -> dict[str, Any]:
    return {
        "boundingBox": {"vertices": [{"x": round(float(p[0])), "y": round(float(p[1]))}
                                     for p in quad]},
        "confidence": float(conf),
        "id": wid,
        "text": text,
    }


def _page(width: int, height: int, text: str, words: list[dict[str, Any]], pid: int) -> Any:
    return {"confidence": 0.0, "height": height, "id": pid, "text": text, "width": width,
            "words": words}


def _make_runner(engine: str) -> Any:
    if engine == "ours":
        from ocr_loaders.engines.local import LocalEngine

        eng = LocalEngine(rec_batch_size=int(os.environ.get("BENCH_REC_BATCH_SIZE", "6")),
                          rec_batch_width=float(os.environ.get("BENCH_REC_BATCH_WIDTH", "60")),
                          runtime=os.environ.get("BENCH_RUNTIME", "auto"),
                          det_limit_side_len=int(os.environ.get("BENCH_DET_LIMIT", "1280")))
        eng._load()
        eng._tesseract()

        def run(img: Any, lang: str, pid: int) -> Any:
            return eng.recognize_image(img, page_id=pid).to_api_dict()

        return run
    if engine == "tesseract":
        import tesserocr

        from ocr_loaders.engines.tesseract import find_tessdata

        path = find_tessdata() or ""
        apis: dict[str, Any] = {}

        def run(img: Any, lang: str, pid: int) -> Any:
            tl = TESS_LANG.get(lang, "eng")
            if tl not in apis:
                apis[tl] = tesserocr.PyTessBaseAPI(path=path, lang=tl)
            api = apis[tl]
            api.SetImage(img)
            api.Recognize()
            text = api.GetUTF8Text()
            words: list[dict[str, Any]] = []
            it = api.GetIterator()
            level = tesserocr.RIL.WORD
            for w in tesserocr.iterate_level(it, level):
                try:
                    t = w.GetUTF8Text(level)
                except RuntimeError:
                    continue
                box = w.BoundingBox(level)
                if not t or not t.strip() or box is None:
                    continue
                x0, y0, x1, y1 = box
                words.append(_word(t.strip(), w.Confidence(level) / 100,
                                   [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], len(words)))
            lines = [ln for ln in text.splitlines() if ln.strip()]
            return _page(img.width, img.height, "\n".join(lines), words, pid)

        return run
    if engine == "ppocrv4":
        try:
            from rapidocr_onnxruntime import RapidOCR as RapidV4
        except ImportError:
            raise SystemExit('the ppocrv4 alternative needs: pip install -e ".[bench]"') from None

        v4 = RapidV4()

        def run(img: Any, lang: str, pid: int) -> Any:
            import numpy as np

            res, _ = v4(np.asarray(img)[:, :, ::-1])
            words: list[dict[str, Any]] = []
            lines = []
            for quad, text, score in res or []:
                lines.append(text)
                for tok in text.split():
                    words.append(_word(tok, score, quad, len(words)))
            return _page(img.width, img.height, "\n".join(lines), words, pid)

        return run
    if engine == "ppocrv6":
        from rapidocr import RapidOCR

        v6 = RapidOCR(params={"Global.log_level": "error"})

        def run(img: Any, lang: str, pid: int) -> Any:
            res: Any = v6(img, return_word_box=True)
            words: list[dict[str, Any]] = []
            lines = list(res.txts or [])
            for line in res.word_results or []:
                for text, score, quad in line:
                    words.append(_word(text, score, quad, len(words)))
            return _page(img.width, img.height, "\n".join(lines), words, pid)

        return run
    raise SystemExit(f"unknown engine {engine}")


def child(engine: str, eval_dir: Path, datasets: list[str] | None, limit: int | None,
          out: Path) -> None:
    t0 = time.perf_counter()
    run = _make_runner(engine)
    load_s = time.perf_counter() - t0
    per_ds: dict[str, dict[str, float]] = {}
    for item in _items(eval_dir, datasets, limit):
        preds = []
        elapsed = 0.0
        for i, img in enumerate(_pages(item["file"])):  # rendering is not timed
            t = time.perf_counter()
            preds.append(run(img, item["lang"], i))
            elapsed += time.perf_counter() - t
            del img
        stats = per_ds.setdefault(item["dataset"], {"pages": 0, "seconds": 0.0})
        stats["pages"] += len(preds)
        stats["seconds"] += elapsed
        doc = {"pages": preds, "text": "\n".join(p["text"] for p in preds)}
        dest = out / "pred" / engine / item["dataset"] / f"{item['id']}.json"
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(json.dumps(doc, ensure_ascii=False))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (out / f"timing-{engine}.json").write_text(
        json.dumps({"load_s": load_s, "rss_mb": rss_mb, "datasets": per_ds})
    )


# --- parent: run all, score, print ------------------------------------------------------------


def _subset_gt(eval_dir: Path, out: Path, items: list[dict[str, Any]]) -> Path:
    """A GT tree of symlinks holding only the items that ran (so --limit scores fairly)."""
    root = out / "gt"
    for item in items:
        src = eval_dir / item["dataset"] / f"{item['id']}.json"
        if not src.exists():
            src = next(p for p in (eval_dir / item["dataset"]).glob("*.json")
                       if json.loads(p.read_text()).get("id") == item["id"])
        dest = root / item["dataset"] / src.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists():
            dest.symlink_to(src)
    return root


def score(eval_dir: Path, out: Path, engine: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    dest = out / f"score-{engine}.json"
    gt = _subset_gt(eval_dir, out, items)
    cmd = [sys.executable, str(eval_dir / "score.py"), "--pred", str(out / "pred" / engine),
           "--gt", str(gt), "--json-out", str(dest)]
    subprocess.run(cmd, check=True, capture_output=True)
    return dict(json.loads(dest.read_text())["datasets"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--datasets", default=None)
    ap.add_argument("--limit", type=int, default=None, help="items per dataset")
    ap.add_argument("--out", type=Path, default=Path(".bench"))
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--report-only", action="store_true", help="re-score existing predictions")
    args = ap.parse_args()
    datasets = args.datasets.split(",") if args.datasets else None
    if args.child:
        child(args.child, args.eval, datasets, args.limit, args.out)
        return
    if not (args.eval / "score.py").exists():
        raise SystemExit(f"no evaluation data at {args.eval} (pass --eval)")
    engines = args.engines.split(",")
    args.out.mkdir(parents=True, exist_ok=True)
    for engine in [] if args.report_only else engines:
        cmd = [sys.executable, __file__, "--child", engine, "--eval", str(args.eval),
               "--out", str(args.out)]
        if args.datasets:
            cmd += ["--datasets", args.datasets]
        if args.limit:
            cmd += ["--limit", str(args.limit)]
        print(f"running {engine} ...", file=sys.stderr, flush=True)
        subprocess.run(cmd, check=True, env={**os.environ, "PYTHONPATH": str(HERE.parent)})
    report(args.eval, args.out, engines, _items(args.eval, datasets, args.limit))


def report(eval_dir: Path, out: Path, engines: list[str], items: list[dict[str, Any]]) -> None:
    scores = {e: score(eval_dir, out, e, items) for e in engines}
    timing = {e: json.loads((out / f"timing-{e}.json").read_text()) for e in engines}
    names = [d for d in next(iter(scores.values())) if d != "ALL"] + ["ALL"]
    print("| dataset | engine | " + " | ".join(METRICS) + " | s/page | load s | peak RSS MB |")
    print("|---|---|" + "---|" * (len(METRICS) + 3))
    for ds in names:
        for e in engines:
            s = scores[e].get(ds, {})
            t = timing[e]["datasets"]
            if ds == "ALL":
                pages = sum(v["pages"] for v in t.values())
                secs = sum(v["seconds"] for v in t.values())
            else:
                pages, secs = t.get(ds, {}).get("pages", 0), t.get(ds, {}).get("seconds", 0.0)
            spp = secs / pages if pages else float("nan")
            cells = [f"{s.get(m, float('nan')):.3f}" for m in METRICS]
            print(f"| {ds} | {e} | " + " | ".join(cells)
                  + f" | {spp:.2f} | {timing[e]['load_s']:.1f} | {timing[e]['rss_mb']:.0f} |")
    if "ours" in engines:
        print("\nRatios, ours / alternative (ALL): BoW_F1, Chr_F1, seconds per page, peak RSS")
        ours = scores["ours"]["ALL"]
        t_ours = timing["ours"]
        for e in engines:
            if e == "ours":
                continue
            alt = scores[e]["ALL"]
            spp = _spp(t_ours) / _spp(timing[e])
            rss = t_ours["rss_mb"] / timing[e]["rss_mb"]
            print(f"- vs {e}: BoW_F1 x{ours['BoW_F1'] / max(alt['BoW_F1'], 1e-9):.2f}, "
                  f"Chr_F1 x{ours['Chr_F1'] / max(alt['Chr_F1'], 1e-9):.2f}, "
                  f"time x{spp:.2f}, RSS x{rss:.2f}")


def _spp(t: dict[str, Any]) -> float:
    pages = sum(v["pages"] for v in t["datasets"].values())
    return sum(v["seconds"] for v in t["datasets"].values()) / max(pages, 1)


if __name__ == "__main__":
    main()
