"""Chunking throughput: ours (with word boxes) against LangChain's and LlamaIndex's
``TokenTextSplitter`` on the same pages, in the same run.

Pages come from ``../shared/eval`` ground truth (text plus word boxes, as page documents of
our metadata contract). Every splitter gets the same chunk size and overlap in cl100k_base
tokens; each is timed best-of-N over all pages, the splitters interleaved in a fixed order
(a splitter that takes over 2 s is timed once). Two ways of calling each:

* as users call it on page documents: ``split_documents`` (LangChain) and
  ``get_nodes_from_documents`` (LlamaIndex) on the same page documents, which carry the
  page's ``words``; theirs copy the page's whole metadata, all its words and boxes, into
  every chunk (which is what a user gets), so they are also timed on the documents with
  ``words`` removed (their best case, no provenance at all);
* on bare strings: ``split_text`` on each page's text (no documents, no metadata), the floor
  of their cost.

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
from ocr_loaders.rag import get_encoding


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


OURS = "ocr-loaders OCRTextSplitter.split_documents (boxes)"
OURS_LI = "ocr-loaders OCRNodeParser (boxes)"


def splitters(pages: list[PageRecord], size: int,
              overlap: int) -> dict[str, Callable[[], int]]:
    """name -> function chunking all pages and returning the number of chunks."""
    from langchain_core.documents import Document as LCDocument
    from langchain_text_splitters import TokenTextSplitter as LCSplitter
    from llama_index.core import Document as LIDocument
    from llama_index.core.node_parser import TokenTextSplitter as LISplitter

    from ocr_loaders.langchain import OCRTextSplitter
    from ocr_loaders.llama_index import OCRNodeParser

    enc = get_encoding("cl100k_base")
    lc = LCSplitter(encoding_name=enc.name, chunk_size=size, chunk_overlap=overlap)
    li = LISplitter(chunk_size=size, chunk_overlap=overlap, tokenizer=enc.encode)
    ours_lc = OCRTextSplitter(chunk_size=size, chunk_overlap=overlap, encoding=enc)
    ours_li = OCRNodeParser(chunk_size=size, chunk_overlap=overlap, encoding=enc.name)
    lc_docs = [LCDocument(page_content=r.text, metadata=r.metadata) for r in pages]
    lc_plain = [LCDocument(page_content=r.text, metadata=_without_words(r.metadata))
                for r in pages]
    # LlamaIndex counts metadata against the chunk size: the words are kept out of its
    # metadata strings, as our reader does, so that it can split at all
    li_docs = [LIDocument(text=r.text, metadata=r.metadata,
                          excluded_embed_metadata_keys=["words"],
                          excluded_llm_metadata_keys=["words"]) for r in pages]
    li_plain = [LIDocument(text=r.text, metadata=_without_words(r.metadata)) for r in pages]
    texts = [r.text for r in pages]
    return {
        OURS: lambda: len(ours_lc.split_documents(lc_docs)),
        "langchain TokenTextSplitter.split_documents": lambda: len(lc.split_documents(lc_docs)),
        "langchain TokenTextSplitter.split_documents, words removed": lambda: len(
            lc.split_documents(lc_plain)),
        "langchain TokenTextSplitter.split_text (strings)": lambda: sum(
            len(lc.split_text(t)) for t in texts),
        OURS_LI: lambda: len(
            ours_li.get_nodes_from_documents(li_docs)),
        "llama-index TokenTextSplitter.get_nodes_from_documents": lambda: len(
            li.get_nodes_from_documents(li_docs)),
        "llama-index TokenTextSplitter.get_nodes_from_documents, words removed": lambda: len(
            li.get_nodes_from_documents(li_plain)),
        "llama-index TokenTextSplitter.split_text (strings)": lambda: sum(
            len(li.split_text(t)) for t in texts),
    }


def _without_words(metadata: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metadata.items() if k != "words"}


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
    funcs = splitters(pages, args.chunk_size, args.overlap)
    best: dict[str, float] = {}
    chunks: dict[str, int] = {}
    for _ in range(args.repeat):
        for name, fn in funcs.items():
            if best.get(name, 0.0) > 2.0:
                continue
            start = time.perf_counter()
            chunks[name] = fn()
            elapsed = time.perf_counter() - start
            best[name] = min(best.get(name, elapsed), elapsed)
    ours = {"langchain": best[OURS], "llama-index": best[OURS_LI]}
    print(f"{len(pages)} pages, {n_words} words, {n_tokens} tokens; chunk_size "
          f"{args.chunk_size}, overlap {args.overlap}; best of {args.repeat}\n")
    print("| splitter | chunks | s | words/s | tokens/s | time vs ours (same framework) |")
    print("|---|---|---|---|---|---|")
    for name, sec in best.items():
        print(f"| {name} | {chunks[name]} | {sec:.3f} | {n_words / sec:,.0f} | "
              f"{n_tokens / sec:,.0f} | {sec / ours[_framework(name)]:.2f}x |")


def _framework(name: str) -> str:
    return "llama-index" if name == OURS_LI or name.startswith("llama-index") else "langchain"


if __name__ == "__main__":
    main()
