"""Token-aware chunking whose chunks cite exactly their words.

A chunk is a run of whole words of one page in reading order; its text is the exact slice of
the page text from its first to its last word (``start_index`` / ``end_index``), so it keeps
the page's line breaks. Sizes are tiktoken tokens of that text: ``token_count <= chunk_size``
always holds (a single word longer than ``chunk_size`` is the only thing ever cut, into token
runs that keep the word's id and box, each the slice at its own offsets). Chunks end at a
paragraph or line break when one falls in the last part of the window, and the next chunk
repeats up to ``chunk_overlap`` tokens of whole trailing words.

Each page is encoded once, in a background thread while the pages before it are chunked;
any run's exact count is then put together from the page's tokens (``rag/pageindex.py``),
so the cost is about one encoding of the text plus a little work per chunk.

Metadata (GUIDE §2): the page's metadata without its ``words``, plus ``chunk_index`` (0, 1, ...
within the page, so that a chunk's metadata, and its LlamaIndex node id, do not change when
another page of the file does), ``token_count``, ``word_ids``, ``boxes`` (those words' boxes),
``confidence`` (mean of its words), ``confidence_min``, ``start_index`` / ``end_index``; after
the filter's ``action="flag"``, ``low_confidence_word_ids`` lists only the chunk's own flagged
words. ``flat_metadata=True`` stores those lists (``word_ids``, ``boxes``...) as JSON strings
for vector stores that accept only flat values (Chroma, ...).
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import itertools
import json
import operator
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from ocr_loaders.documents import BULKY_KEYS, PageRecord
from ocr_loaders.rag.align import align_words
from ocr_loaders.rag.boxes import box_bottom, box_height, box_top
from ocr_loaders.rag.convert import converter
from ocr_loaders.rag.items import as_record
from ocr_loaders.rag.pageindex import PageIndex, sync_safe, token_ends, word_spans
from ocr_loaders.rag.tokens import DEFAULT_ENCODING, get_encoding

PARAGRAPH_WINDOW = 0.5
"""A chunk may end early at a paragraph break if it keeps at least half of its tokens..."""
LINE_WINDOW = 0.75
"""...and at a line break if it keeps at least three quarters."""


PAGES_AHEAD = 64
"""Most pages read ahead of the one being chunked, their texts queued for encoding."""
BATCH_PAGES = 8
"""Pages encoded per call in the background thread (see ``_encoded_pages``)."""


def chunk_documents(
    docs: Iterable[Any],
    *,
    chunk_size: int = 512,
    chunk_overlap: int = 64,
    encoding: str | Any = DEFAULT_ENCODING,
    flat_metadata: bool = False,
) -> list[Any]:
    """Chunks of page documents, as the same framework's type (LlamaIndex: ``TextNode`` s
    whose SOURCE relationship is their page document)."""
    _check_sizes(chunk_size, chunk_overlap)
    enc = get_encoding(encoding)
    out: list[Any] = []
    counts: dict[str, int] = {}  # token counts of short pieces, shared by all pages
    # closed on the way out, so that an error here also stops the encoding thread at once
    with contextlib.closing(_encoded_pages(docs, enc)) as pages:
        for doc, record, page_ends in pages:
            convert = converter(doc)
            # a page loaded with flat metadata (``flat_metadata=True`` of the loaders) is
            # going to such a store: its chunks are flat too
            meta = getattr(doc, "metadata", {})
            flat = flat_metadata or any(isinstance(meta.get(key), str)
                                        for key in ("words", "page_spans"))
            for part, part_ends, offset in _pages_of(record, enc, page_ends):
                chunks = _chunk_page(part, enc, part_ends, chunk_size, chunk_overlap,
                                     flat, 0, counts)
                for chunk in chunks:
                    if offset:
                        chunk.metadata["start_index"] += offset
                        chunk.metadata["end_index"] += offset
                    out.append(convert(chunk))
    return out


def _pages_of(record: PageRecord, enc: Any,
              ends: np.ndarray) -> Iterator[tuple[PageRecord, np.ndarray, int]]:
    """The record itself, or for a whole file loaded with ``mode="single"`` (its pages
    joined, ``page_spans`` saying where each is, no words) each page's text as a record of
    its own with its ``page``, so that chunks stay within a page and say which; with the
    offset of the page's text in the record's (chunk offsets are into the record's text)."""
    meta = record.metadata
    if not _split_by_page(record):
        yield record, ends, 0
        return
    base = {k: v for k, v in meta.items() if k not in ("page_spans", "pages")}
    for page, start, end in meta["page_spans"]:
        text = record.text[start:end]
        yield (PageRecord(text=text, metadata={**base, "page": page}),
               token_ends(enc, _encode(enc, text)), start)


def _split_by_page(record: PageRecord) -> bool:
    """Whether ``record`` is a whole file of ``mode="single"`` that is chunked page by page
    (``_pages_of``): its pages are encoded there, so the whole text is not encoded first."""
    meta = record.metadata
    spans = meta.get("page_spans")
    return "page" not in meta and not meta.get("words") and isinstance(spans, list) and bool(spans)


def _encoded_pages(docs: Iterable[Any],
                   enc: Any) -> Generator[tuple[Any, PageRecord, np.ndarray], None, None]:
    """Each document with its record and its text's token ends (``token_ends``), in order.

    The texts are encoded in one background thread while the caller chunks the pages before
    them, several pages joined per call: groups of 1, 2, 4, then ``BATCH_PAGES`` pages, so
    that chunking starts at once. tiktoken lets go of the GIL while it encodes; what costs is
    the thread taking the GIL back after each call, a hand-over that slowed the caller's
    Python work by ~10 ms of ~50 on the 124 eval pages when every page was a call of its own
    (measured 2026-12-06; 8 pages per call make it one hand-over per ~3 ms of the caller's
    work instead of per ~0.4 ms).

    Each page's tokens are those of the page alone (``_encode_batch``), so its chunks do not
    depend on the pages around it. Up to ``PAGES_AHEAD`` pages are read ahead. An error
    while encoding is raised here, at the first page of its batch; the thread is gone when
    the generator finishes or is closed.
    """
    iterator = iter(docs)
    pending: collections.deque[tuple[list[tuple[Any, PageRecord]], Future[Any]]] = (
        collections.deque())
    queued = 0
    size = 1
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocr-loaders-encode") as pool:
        try:
            while True:
                while queued < PAGES_AHEAD:
                    batch = [(doc, as_record(doc)) for doc in itertools.islice(
                        iterator, min(size, PAGES_AHEAD - queued))]
                    if not batch:
                        break
                    texts = ["" if _split_by_page(record) else record.text
                             for _, record in batch]
                    pending.append((batch, pool.submit(_encode_batch, enc, texts)))
                    queued += len(batch)
                    size = min(2 * size, BATCH_PAGES)
                if not pending:
                    return
                batch, future = pending.popleft()
                queued -= len(batch)
                for (doc, record), page_ends in zip(batch, future.result()):
                    yield doc, record, page_ends
        finally:
            for _, future in pending:
                future.cancel()


def _encode_batch(enc: Any, texts: list[str]) -> list[np.ndarray]:
    """The token ends (``token_ends``) of each text, exactly as if encoded alone.

    Texts that begin and end with a character other than whitespace (and hold no
    surrogates) are encoded in one call, joined by ``" \\n"``: tiktoken's pre-tokenizer
    never joins a visible character to a following space, nor a line break to a following
    visible character (the patterns of the encodings that ``sync_safe`` accepts), so each
    text is cut into the same pieces as alone and its tokens are a slice of the joined
    text's. Other texts, and every text of other encodings, are encoded one by one.
    """
    out: list[np.ndarray | None] = [None] * len(texts)
    joined: list[int] = []
    sizes: list[int] = []  # each joined text's length in UTF-8 bytes
    if sync_safe(enc):
        for k, text in enumerate(texts):
            if text and not text[0].isspace() and not text[-1].isspace():
                try:
                    sizes.append(len(text.encode("utf-8")))
                except UnicodeEncodeError:
                    # surrogates: tiktoken's repair turns a lone one into U+FFFD but joins a
                    # pair into one 4-byte character, so the text's size in the joined
                    # tokens is not its own: encoded alone
                    continue
                joined.append(k)
    if len(joined) > 1:
        ends = token_ends(enc, _encode(enc, _SEPARATOR.join(texts[k] for k in joined)))
        start = 0
        for k, size in zip(joined, sizes):
            stop = start + size
            first, last = ends.searchsorted((start, stop), side="right")
            out[k] = ends[first:last] - start
            start = stop + len(_SEPARATOR)
    for k, text in enumerate(texts):
        if out[k] is None:
            out[k] = token_ends(enc, _encode(enc, text))
    return out  # type: ignore[return-value]


_SEPARATOR = " \n"


def _encode(enc: Any, text: str) -> Any:
    """The tokens of ``text`` (``encode_ordinary``), as a numpy array when tiktoken can give
    one without a Python list in between."""
    to_numpy = getattr(enc, "encode_to_numpy", None)
    if to_numpy is not None:
        try:
            return to_numpy(text, disallowed_special=())
        except UnicodeEncodeError:  # lone surrogates: encode_ordinary's own repair
            pass
    return enc.encode_ordinary(text)


def chunk_record(
    record: PageRecord,
    *,
    chunk_size: int = 512,
    chunk_overlap: int = 64,
    encoding: str | Any = DEFAULT_ENCODING,
    flat_metadata: bool = False,
    first_index: int = 0,
) -> list[PageRecord]:
    """Chunks of one page record (see the module docstring)."""
    _check_sizes(chunk_size, chunk_overlap)
    enc = get_encoding(encoding)
    return _chunk_page(record, enc, token_ends(enc, _encode(enc, record.text)), chunk_size,
                       chunk_overlap, flat_metadata, first_index, {})


def _check_sizes(chunk_size: int, chunk_overlap: int) -> None:
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1 token")
    if not 0 <= chunk_overlap < chunk_size:
        raise ValueError("chunk_overlap must be >= 0 and smaller than chunk_size")


class _Words:
    """The page's words that were found in its text, as parallel lists, with the page index."""

    def __init__(self, record: PageRecord, enc: Any, page_ends: np.ndarray,
                 counts: dict[str, int]) -> None:
        text = record.text
        words = record.metadata.get("words")
        if isinstance(words, list) and words:
            texts, self.ids, self.boxes, self.confidences = _columns(words)
        else:  # no OCR words: the text's own, without boxes
            texts = self._use_own_words(text)
        found = word_spans(text, texts)
        if found is None:  # words missing from the text or text between them: align each
            found = self._align(text, words or [])  # (only OCR words can be missing)
        self.index = PageIndex(enc, text, page_ends, *found, counts=counts)
        # truth instead of ``None not in``: 4x faster (a list is compared with None by
        # rich comparison), and the rare false alarm (an empty box, a confidence of 0) only
        # takes the slower path that drops Nones, to the same chunks
        self.all_boxed = all(self.boxes)
        """No word without a box (else, maybe one)."""
        self.all_confident = all(self.confidences)
        """No word without a confidence (else, maybe one)."""
        self._median_height: float | None = None

    def _align(self, text: str, words: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        """Spans of the words found in a text that is not exactly the words (``align_words``;
        edited after OCR: normalised, lower-cased, rewritten), keeping only those; the text's
        own words outside every found one (text before, between or after them) become words
        without boxes, so that no text is left out of the chunks (NFKC-normalised Japanese
        lost half its characters when chunks did not overlap)."""
        spans = align_words(text, words)
        kept = [k for k, span in enumerate(spans) if span is not None]
        own = word_spans(text, text.split())  # the text's own words: always found
        assert own is not None
        starts = np.array([spans[k].start for k in kept  # type: ignore[union-attr]
                           ], dtype=np.int64)
        ends = np.array([spans[k].end for k in kept], dtype=np.int64)  # type: ignore[union-attr]
        starts, ends = _to_own_edges(starts, ends, own)
        # an own word is covered when it overlaps a found word (found ones are in order)
        after = ends.searchsorted(own[0], side="right")  # first found word ending past it
        inside = after < len(kept)
        inside[inside] = starts[after[inside]] < own[1][inside]
        extra = (~inside).nonzero()[0]
        all_starts = np.concatenate((starts, own[0][extra]))
        order = np.argsort(all_starts, kind="stable").tolist()

        def merged(column: list[Any]) -> list[Any]:
            values = [column[k] for k in kept] + [None] * len(extra)
            return [values[k] for k in order]

        self.ids, self.boxes = merged(self.ids), merged(self.boxes)
        self.confidences = merged(self.confidences)
        return all_starts[order], np.concatenate((ends, own[1][extra]))[order]

    def _use_own_words(self, text: str) -> list[str]:
        """Take the text's whitespace-separated words as the page's words, without boxes or
        confidences; return their texts."""
        texts = text.split()
        self.ids = list(range(len(texts)))
        self.boxes = self.confidences = [None] * len(texts)
        return texts

    def median_height(self) -> float:
        """Median word height over a sample of the page's boxes (0 without boxes)."""
        if self._median_height is None:
            step = max(len(self.boxes) // 32, 1)
            heights = sorted([box_height(b) for b in self.boxes[::step] if b is not None])
            self._median_height = heights[len(heights) // 2] if heights else 0.0
        return self._median_height

    def paragraph_before(self, k: int) -> bool:
        """Whether the line break before word ``k`` starts a paragraph: a blank line, or a
        vertical gap between the two lines wider than the median word height."""
        if k in self.index.blank_before:
            return True
        above, below = self.boxes[k - 1], self.boxes[k]
        if above is None or below is None:
            return False
        gap = box_top(below) - box_bottom(above)
        if not gap > 0:  # lines that touch or overlap: no median needed (it is never < 0;
            return False  # 93 of the 124 eval pages work it out instead of 104)
        median = self.median_height()
        return bool(median) and gap > median


def _to_own_edges(starts: np.ndarray, ends: np.ndarray,
                  own: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Found word spans (in order, apart) widened to the edges of the text's own words they
    lie in: the first found word in an own word starts where it starts, the last ends where
    it ends, and those between reach the next one, so that the rest of that own word (``00``
    where only ``0`` was found) is in the chunk of a found word."""
    if not len(starts):
        return starts, ends
    own_starts, own_ends = own
    js = np.clip(own_starts.searchsorted(starts, side="right") - 1, 0, len(own_starts) - 1)
    je = np.clip(own_ends.searchsorted(ends, side="left"), 0, len(own_ends) - 1)
    first = np.ones(len(starts), dtype=bool)
    first[1:] = js[1:] != js[:-1]
    last = np.ones(len(ends), dtype=bool)
    last[:-1] = je[:-1] != je[1:]
    first &= (own_starts[js] <= starts) & (starts < own_ends[js])
    last &= (own_starts[je] < ends) & (ends <= own_ends[je])
    starts = np.where(first, own_starts[js], starts)
    ends = np.where(last, own_ends[je], ends)
    # found words inside one own word reach each other (``0:1`` where ``0`` and ``1`` were
    # found: the ``:`` goes with the ``0``)
    shared = (je[:-1] == js[1:]) & ~last[:-1]
    ends[:-1][shared] = starts[1:][shared]
    return starts, ends


def _columns(words: list[dict[str, Any]]) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """Texts, ids, boxes and confidences of the words (C-level passes when every word has
    all four keys, the usual case)."""
    try:
        return (list(map(operator.itemgetter("text"), words)),
                list(map(operator.itemgetter("id"), words)),
                list(map(operator.itemgetter("box"), words)),
                list(map(operator.itemgetter("confidence"), words)))
    except KeyError:
        return ([w.get("text", "") for w in words], [w.get("id") for w in words],
                [w.get("box") for w in words], [w.get("confidence") for w in words])


def _chunk_page(
    record: PageRecord, enc: Any, ends: np.ndarray, size: int, overlap: int,
    flat_metadata: bool, first_index: int, counts: dict[str, int],
) -> list[PageRecord]:
    if not record.text:
        return []
    words = _Words(record, enc, ends, counts)
    index = words.index
    n = len(index)
    if not n:
        return []
    base = {k: v for k, v in record.metadata.items() if k not in BULKY_KEYS}
    # the filter's flagged words (action="flag"): each chunk lists those among its own words
    flagged = record.metadata.get("low_confidence_word_ids")
    flagged_ids = set(flagged) if isinstance(flagged, list) else None
    chunks: list[PageRecord] = []
    a = 0
    while a < n:
        b = _window_last(words, a, size)
        b, pieces = _fit(words, a, b, size)
        for piece in pieces:
            meta = {**base, "chunk_index": first_index + len(chunks)}
            meta.update(piece.metadata)
            if flagged_ids is not None:
                meta["low_confidence_word_ids"] = [i for i in meta["word_ids"] if i in flagged_ids]
            if flat_metadata:
                for key in BULKY_KEYS:
                    if key in meta:
                        meta[key] = json.dumps(meta[key])
            chunks.append(PageRecord(text=piece.text, metadata=meta))
        if b >= n - 1:
            break
        a = _overlap_start(index, a, b, overlap)
    return chunks


def _window_last(words: _Words, a: int, size: int) -> int:
    """The last word from ``a`` that fits by estimate, moved back to a break."""
    index = words.index
    b = index.last_within(a, size)
    if b < a:  # one word over the limit: alone (cut later)
        return a
    if b >= len(index) - 1:
        return b
    return _prefer_break(words, a, b)


def _prefer_break(words: _Words, a: int, b: int) -> int:
    """Move the window's last word ``b`` back to end at a paragraph break in the last half of
    the window, else at a line break in its last quarter; otherwise keep the full window."""
    index = words.index
    breaks, cum = index.line_breaks, index.cum
    base = cum[a - 1] if a else 0  # so that cum[k] - base == index.estimate(a, k)
    total = cum[b] - base
    half, three_quarters = total * PARAGRAPH_WINDOW, total * LINE_WINDOW
    line: int | None = None
    # a break before word k ends the chunk at k - 1; the latest breaks first
    for j in range(bisect.bisect_right(breaks, b + 1) - 1, bisect.bisect_right(breaks, a) - 1,
                   -1):
        k = breaks[j]
        kept = cum[k - 1] - base
        if k <= b and kept < half:
            break
        if words.paragraph_before(k):
            return k - 1
        if line is None and kept >= three_quarters:
            line = k - 1
    return line if line is not None else b


def _overlap_start(index: PageIndex, a: int, b: int, overlap: int) -> int:
    """First word of the next chunk: whole trailing words of this one, up to ``overlap``
    tokens of their own text."""
    nxt = max(index.first_within(b, overlap), a + 1)
    while nxt <= b and index.count(nxt, b) > overlap:
        nxt += 1
    return nxt


def _fit(words: _Words, a: int, b: int, size: int) -> tuple[int, list[PageRecord]]:
    """The real last word and the chunk(s) for words ``a..b``, shrunk until they fit."""
    index = words.index
    while True:
        count = index.count(a, b)
        if count <= size:
            return b, [_chunk(words, a, b, count)]
        if b == a:
            return b, _cut_word(words, a, size)
        b = max(a, min(b - 1, index.last_within(a, size - (count - size))))


def _cut_word(words: _Words, k: int, size: int) -> list[PageRecord]:
    """An over-long word in runs of at most ``size`` tokens, each citing the whole word.

    Runs are the longest character prefixes that fit (``_longest_fit``), each with its own
    ``start_index`` / ``end_index``; a single character that alone needs more than ``size``
    tokens is cut between its tokens (its bytes decode to ``\ufffd``; each part gives the
    character's span).
    """
    enc = words.index.enc
    out: list[PageRecord] = []
    start, end = words.index.span(k, k)
    text = words.index.text
    while start < end:
        fit = _longest_fit(enc, text, start, end, size)
        if fit == 0:
            tokens = enc.encode_ordinary(text[start])
            parts = [enc.decode(tokens[i:i + size]) for i in range(0, len(tokens), size)]
            fit = 1
        else:
            parts = [text[start:start + fit]]
        for part in parts:
            count = len(enc.encode_ordinary(part))
            out.append(_chunk(words, k, k, min(count, size), text=part,
                              span=(start, start + fit)))
        start += fit
    return out


def _longest_fit(enc: Any, text: str, start: int, end: int, size: int) -> int:
    """Length of the longest prefix of ``text[start:end]`` of at most ``size`` tokens.

    The search gallops from about ``size`` characters and doubling, then halves the last
    step, so each call encodes text of a few times the answer's length: cutting a word of n
    characters costs O(n), where a search over the whole rest of the word each time cost
    O(n^2) (a 200,000-character base64 blob took 29 s at ``chunk_size=64``).
    """
    rest = end - start
    lo, hi = 0, min(rest, max(size, 1))  # lo fits; hi is the next length to try
    while True:
        if len(enc.encode_ordinary(text[start:start + hi])) > size:
            break
        lo = hi
        if hi == rest:
            return lo
        hi = min(rest, 2 * hi)
    hi -= 1  # the longest that may fit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(enc.encode_ordinary(text[start:start + mid])) <= size:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _chunk(words: _Words, a: int, b: int, count: int, text: str | None = None,
           span: tuple[int, int] | None = None) -> PageRecord:
    """Words ``a..b`` as a chunk (``text``: a cut of a single over-long word, at ``span``)."""
    start, end = words.index.span(a, b) if span is None else span
    if words.all_boxed:
        ids, boxes = words.ids[a:b + 1], words.boxes[a:b + 1]
    else:
        kept = [k for k in range(a, b + 1) if words.boxes[k] is not None]
        ids, boxes = [words.ids[k] for k in kept], [words.boxes[k] for k in kept]
    meta: dict[str, Any] = {
        "token_count": count,
        "word_ids": ids,
        "boxes": boxes,
        "start_index": start,
        "end_index": end,
    }
    confidences: list[Any] = words.confidences[a:b + 1]
    if not words.all_confident:
        confidences = [c for c in confidences if c is not None]
    if confidences:
        meta["confidence"] = float(sum(confidences)) / len(confidences)
        meta["confidence_min"] = float(min(confidences))
    return PageRecord(text=words.index.text[start:end] if text is None else text, metadata=meta)


def highlight_boxes(chunk: Any, *, merge: str = "line") -> list[tuple[int, int, int, int]]:
    """Rectangles ``(x0, y0, x1, y1)`` to draw for a chunk of any kind: one per text line
    (``merge="line"``) or one per word (``"word"``), in the page image's pixels."""
    from ocr_loaders.viz import chunk_rectangles

    return chunk_rectangles(chunk, merge=merge)
