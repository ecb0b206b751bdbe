"""Chunking throughput: ours (with word boxes) against LangChain's and LlamaIndex's
``TokenTextSplitter`` on the same page texts, in the same run.

Pages come from ``../shared/eval`` ground truth (text plus word boxes, as a page record of
our metadata contract). Every splitter gets the same chunk size and overlap in cl100k_base
tokens; each is timed best-of-N over all pages, in alternating order.

    python benchmarks/bench_chunking.py [--eval ../shared/eval] [--chunk-size 256] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocr_loaders.documents import PageRecord
from ocr_loaders.rag import chunk_documents, get_encoding


def load_pages(eval_dir: Path, limit: int | None) -> list[PageRecord]:
    """Ground-truth pages as records with word boxes (PDF pages included)."""
    records: list[PageRecord] = []
    for path in sorted(eval_dir.glob("*/*.json")):
        gt = json.loads(path.read_text())
        pages = gt.get("pages") or [gt]
        for number, page in enumerate(pages, 1):
            words = []
            for i, w in enumerate(page.get("words") or []):
                if "bbox" not in w:
                    continue
                x0, y0, x1, y1 = w["bbox"]
                words.append({"id": i, "text": w["text"], "confidence": 1.0,
                              "box": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]})
            text = page.get("text") or ""
            if not text.strip():
                continue
            records.append(PageRecord(text=text, metadata={
                "source": f"{path.parent.name}/{gt.get('id', path.stem)}", "page": number,
                "words": words,
            }))
            if limit and len(records) >= limit:
                return records
    return records


def splitters(size: int, overlap: int) -> dict[str, Callable[[list[PageRecord]], int]]:
    """name -> function chunking all pages and returning the number of chunks (each the way
    its users call it: ours on the list of page documents, theirs on each page's text)."""
    from langchain_text_splitters import TokenTextSplitter as LCSplitter
    from llama_index.core.node_parser import TokenTextSplitter as LISplitter

    enc = get_encoding("cl100k_base")
    lc = LCSplitter(encoding_name=enc.name, chunk_size=size, chunk_overlap=overlap)
    li = LISplitter(chunk_size=size, chunk_overlap=overlap, tokenizer=enc.encode)
    return {
        "ocr-loaders (boxes)": lambda pages: len(
            chunk_documents(pages, chunk_size=size, chunk_overlap=overlap, encoding=enc)
        ),
        "langchain TokenTextSplitter": lambda pages: sum(len(lc.split_text(r.text))
                                                         for r in pages),
        "llama-index TokenTextSplitter": lambda pages: sum(len(li.split_text(r.text))
                                                           for r in pages),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, default=Path(__file__).parents[2] / "shared/eval")
    parser.add_argument("--chunk-size", type=int, default=256)
    parser.add_argument("--overlap", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, help="at most this many pages")
    args = parser.parse_args()

    pages = load_pages(args.eval, args.limit)
    enc = get_encoding("cl100k_base")
    n_words = sum(len(p.text.split()) for p in pages)
    n_tokens = sum(len(t) for t in enc.encode_ordinary_batch([p.text for p in pages]))
    funcs = splitters(args.chunk_size, args.overlap)
    best: dict[str, float] = {}
    chunks: dict[str, int] = {}
    for _ in range(args.repeat):
        for name, fn in funcs.items():
            start = time.perf_counter()
            chunks[name] = fn(pages)
            elapsed = time.perf_counter() - start
            best[name] = min(best.get(name, elapsed), elapsed)
    ours = best["ocr-loaders (boxes)"]
    print(f"{len(pages)} pages, {n_words} words, {n_tokens} tokens; chunk_size "
          f"{args.chunk_size}, overlap {args.overlap}; best of {args.repeat}\n")
    print("| splitter | chunks | s | words/s | tokens/s | time vs ours |")
    print("|---|---|---|---|---|---|")
    rows: list[dict[str, Any]] = []
    for name, sec in best.items():
        rows.append({"name": name, "s": sec})
        print(f"| {name} | {chunks[name]} | {sec:.2f} | {n_words / sec:,.0f} | "
              f"{n_tokens / sec:,.0f} | {sec / ours:.2f}x |")


if __name__ == "__main__":
    main()
