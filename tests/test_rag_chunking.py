"""Token-aware chunking: properties over random pages (hypothesis) and the chosen cuts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ocr_loaders.documents import PageRecord
from ocr_loaders.rag import (
    EncodingUnavailableError,
    chunk_documents,
    chunk_record,
    get_encoding,
    highlight_boxes,
)
from ocr_loaders.rag.align import align_words
from tests.ragdata import make_record

ENC = get_encoding("cl100k_base")
ALPHABET = list("abcdefghijklmnopqrstuvwxyzABC0123456789.,;:$%-()'\"") + list(
    "가나다라법원판결日本語中文教科書の") + ["\u00e9", "\U0001f600", "\ufffd"]
WORD = st.text(alphabet=ALPHABET, min_size=1, max_size=14)
LINES = st.lists(st.lists(WORD, min_size=1, max_size=9), min_size=1, max_size=25)


def cost(text: str) -> int:
    return len(ENC.encode_ordinary(" " + text))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=LINES, size=st.integers(1, 80), overlap_ratio=st.floats(0, 0.9))
@example(lines=[["checkboxes"]], size=1, overlap_ratio=0.0)  # cut although " checkboxes" fits
def test_chunk_properties(lines, size, overlap_ratio) -> None:
    overlap = min(int(size * overlap_ratio), size - 1)
    record = make_record(lines)
    words = record.metadata["words"]
    spans = align_words(record.text, words)
    chunks = chunk_record(record, chunk_size=size, chunk_overlap=overlap, encoding=ENC)
    assert chunks
    covered: list[int] = []
    previous: list[int] = []
    for chunk in chunks:
        meta = chunk.metadata
        # the size limit, measured on the real text
        assert meta["token_count"] == len(ENC.encode_ordinary(chunk.text)) <= size
        ids = meta["word_ids"]
        assert ids == list(range(ids[0], ids[-1] + 1))  # a run of consecutive words
        assert meta["boxes"] == [words[i]["box"] for i in ids]  # exactly its words' boxes
        whole = record.text[meta["start_index"]:meta["end_index"]]
        if "\ufffd" not in chunk.text:
            assert chunk.text == whole  # the page's own text at the chunk's offsets
        if len(ids) == 1 and whole != record.text[spans[ids[0]].start:spans[ids[0]].end]:
            # only a word too long for any chunk is ever cut, into runs within the word
            word = spans[ids[0]]
            text = record.text[word.start:word.end]
            assert cost(text) > size or len(ENC.encode_ordinary(text)) > size
            assert word.start <= meta["start_index"] < meta["end_index"] <= word.end
        shared = [i for i in ids if i in previous]
        if shared and len(ids) > 1:  # the repeated words' own text fits the overlap
            repeated = record.text[spans[shared[0]].start:spans[shared[-1]].end]
            assert len(ENC.encode_ordinary(repeated)) <= overlap
        covered.extend(i for i in ids if not covered or i > covered[-1])
        previous = ids
        assert meta["page"] == 1 and "words" not in meta
    assert covered == [w["id"] for w in words]  # every word, in order, nothing lost
    assert [c.metadata["chunk_index"] for c in chunks] == list(range(len(chunks)))


SEPARATORS = st.sampled_from(["", " ", " ", " ", "\n", "  ", "\t", " \n", "\n\n", "\u3000", "\xa0",
                              "\r\n"])
TRICKY = st.lists(st.sampled_from([*ALPHABET, "!", "?", "...", "\u2014", "\u0301", "\u00b2", "'s",
                                   "'ll"]), min_size=1, max_size=8).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(st.tuples(TRICKY, SEPARATORS), min_size=1, max_size=60),
       inner=st.booleans(), size=st.integers(1, 40))
@example(pieces=[("r", ""), ("ésumé", " "), ("r", ""), ("ésumé", "")], inner=False, size=6)
def test_counts_are_exact_whatever_separates_the_words(pieces, inner, size) -> None:
    """The count a chunk reports is tiktoken's count of its text, for any whitespace between
    words (line breaks after punctuation join it in cl100k), words with spaces inside,
    combining marks and non-ASCII whitespace; every chunk is a slice of the page text."""
    text = "".join(word + sep for word, sep in pieces).rstrip(" \n\t\u3000\xa0\r")
    texts = [w for w, _ in pieces]
    if inner and len(texts) > 1 and pieces[0][1] == " ":  # a word with a space inside
        texts = [texts[0] + " " + texts[1], *texts[2:]]
    words = [{"id": i, "text": t, "confidence": 0.9, "box": [[i, 0], [i + 1, 0], [i + 1, 1],
                                                                  [i, 1]]}
             for i, t in enumerate(texts)]
    record = PageRecord(text=text, metadata={"source": "t", "page": 1, "words": words})
    chunks = chunk_record(record, chunk_size=size, chunk_overlap=size // 3, encoding=ENC)
    seen: list[int] = []
    for chunk in chunks:
        meta = chunk.metadata
        assert meta["token_count"] == len(ENC.encode_ordinary(chunk.text)) <= size
        whole = text[meta["start_index"]:meta["end_index"]]
        assert chunk.text == whole or (len(meta["word_ids"]) == 1 and (
            chunk.text in whole or "\ufffd" in chunk.text))  # a word too long, cut
        seen.extend(i for i in meta["word_ids"] if not seen or i > seen[-1])
    assert seen == [w["id"] for w in words]


def test_other_encodings_count_exactly() -> None:
    """An encoding the sync-point rule was not checked against is counted whole, still
    exactly (here: cl100k's ranks under another name and a pattern without the newline
    rule)."""
    import tiktoken

    other = tiktoken.Encoding(name="custom", pat_str=r"\S+|\s+",
                              mergeable_ranks=ENC._mergeable_ranks, special_tokens={})
    record = make_record([["Total:", "980.", "USD"], ["Tax", "(10%)", "98."]] * 20)
    for chunk in chunk_record(record, chunk_size=9, chunk_overlap=2, encoding=other):
        assert chunk.metadata["token_count"] == len(other.encode_ordinary(chunk.text)) <= 9


def test_prefers_paragraph_and_line_breaks() -> None:
    para1 = [["alpha"] * 6, ["beta"] * 6]
    para2 = [["gamma"] * 6, ["delta"] * 6]
    record = make_record(para1 + para2, paragraph_gap_after=[1])
    first = sum(cost(w) for line in para1 for w in line)
    chunks = chunk_record(record, chunk_size=int(first * 1.6), chunk_overlap=0)
    assert chunks[0].text == "alpha " * 5 + "alpha\n" + "beta " * 5 + "beta"
    line = chunk_record(make_record([["one"] * 5, ["two"] * 5]), chunk_size=6, chunk_overlap=0)
    assert line[0].text == "one one one one one"


def test_documents_of_each_kind_and_metadata() -> None:
    records = [make_record([["Invoice", "4471"], ["Total", "980"]], [0.9, 0.8, 0.7, 0.6], page=p)
               for p in (1, 2)]
    chunks = chunk_documents(records, chunk_size=4, chunk_overlap=0)
    assert [c.page_content if hasattr(c, "page_content") else c.text for c in chunks] == [
        "Invoice 4471", "Total 980"
    ] * 2
    assert [(c.metadata["page"], c.metadata["chunk_index"]) for c in chunks] == [
        (1, 0), (1, 1), (2, 0), (2, 1)  # per page: another page's changes leave these alone
    ]
    first = chunks[0].metadata
    assert first["confidence"] == pytest.approx(0.85) and first["confidence_min"] == 0.8
    assert set(first) >= {"source", "page", "total_pages", "width", "height", "engine",
                          "model_version", "chunk_index", "token_count", "word_ids", "boxes"}
    flat = chunk_documents(records, chunk_size=4, chunk_overlap=0, flat_metadata=True)
    meta = flat[0].metadata
    assert all(isinstance(v, (str, int, float, bool)) for v in meta.values())
    assert json.loads(meta["boxes"]) == first["boxes"]
    assert highlight_boxes(flat[0]) == highlight_boxes(chunks[0])
    (x0, y0, x1, y1), = highlight_boxes(chunks[0])
    boxes = first["boxes"]
    assert (x0, y0) == tuple(boxes[0][0]) and (x1, y1) == tuple(boxes[-1][2])
    # a whole page (indexed without chunking) is highlighted from its words (it gave [])
    page = records[0]
    assert highlight_boxes(page) == [highlight_boxes(c)[0] for c in chunks[:2]]
    flat_page = PageRecord(text=page.text, metadata={
        **page.metadata, "words": json.dumps(page.metadata["words"])})
    assert highlight_boxes(flat_page, merge="word") == highlight_boxes(page, merge="word")
    assert len(highlight_boxes(page, merge="word")) == len(page.metadata["words"])


def test_plain_text_without_words() -> None:
    text = "no boxes here\n" * 40
    chunks = chunk_record(PageRecord(text=text, metadata={"source": "t"}), chunk_size=10,
                          chunk_overlap=2)
    assert all(c.metadata["token_count"] <= 10 and c.metadata["boxes"] == [] for c in chunks)
    assert chunks[-1].metadata["end_index"] == len(text.rstrip())


def test_blank_pages_and_words_not_in_the_text() -> None:
    # a page of whitespace has nothing to chunk; a page whose text was rewritten so that
    # none of its OCR words is in it is still chunked, from its text, citing no word
    blank = PageRecord(text=" \n\t ", metadata={"page": 1, "words": []})
    assert chunk_record(blank, encoding=ENC) == []
    box = [[0, 0], [9, 0], [9, 9], [0, 9]]
    rewritten = PageRecord(text="hello world\nagain", metadata={
        "page": 2, "words": [{"id": 0, "text": "zzz", "confidence": 0.9, "box": box}]})
    (chunk,) = chunk_record(rewritten, encoding=ENC)
    assert chunk.text == "hello world\nagain" and chunk.metadata["word_ids"] == []
    assert chunk.metadata["token_count"] == len(ENC.encode_ordinary(chunk.text))
    # some words found: the text before the first and after the last is kept too
    partly = PageRecord(text="intro text\nhello world\nmore tail", metadata={
        "page": 3, "words": [{"id": k, "text": w, "confidence": 0.9, "box": box}
                             for k, w in enumerate(["hello", "world"])]})
    chunks = chunk_record(partly, chunk_size=4, chunk_overlap=0, encoding=ENC)
    assert " ".join(c.text for c in chunks).split() == partly.text.split()
    assert [c.metadata["word_ids"] for c in chunks] == [[0], [1]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=LINES, edits=st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(
    ["upper", "lower", "nfkc", "insert", "drop"])), max_size=12), size=st.integers(4, 40))
@example(lines=[["ＡＢＣ", "日本語", "ｶﾀｶﾅ"], ["１２３"]], edits=[(0, "nfkc")], size=4)
def test_text_edited_after_ocr_loses_nothing(lines, edits, size) -> None:
    """Page text changed after OCR (normalised, cased, words added or dropped), so that its
    words are not all found in it: every character of the text is still in a chunk, even
    with no overlap (NFKC-normalised Japanese lost half its text in chunks). (Sizes from 4
    tokens: a character is never cut into its tokens.)"""
    record = make_record(lines)
    text = record.text
    for at, edit in edits:
        parts = text.split(" ")
        k = at % len(parts)
        if edit == "upper":
            parts[k] = parts[k].upper()
        elif edit == "lower":
            parts[k] = parts[k].lower()
        elif edit == "nfkc":
            parts[k] = unicodedata.normalize("NFKC", parts[k])
        elif edit == "insert":
            parts.insert(k, "inserted words here")
        elif len(parts) > 1:
            del parts[k]
        text = " ".join(parts)
    edited = PageRecord(text=text, metadata=record.metadata)
    chunks = chunk_record(edited, chunk_size=size, chunk_overlap=0, encoding=ENC)
    assert "".join("".join(c.text.split()) for c in chunks) == "".join(text.split())
    for chunk in chunks:
        assert chunk.metadata["token_count"] == len(ENC.encode_ordinary(chunk.text)) <= size
        for i, box in zip(chunk.metadata["word_ids"], chunk.metadata["boxes"], strict=True):
            assert box == record.metadata["words"][i]["box"]


def test_lone_surrogates_are_chunked_with_exact_counts() -> None:
    # text decoded with errors="surrogateescape" (a bad byte of a text layer) keeps its
    # surrogates; tiktoken reads each as U+FFFD, three bytes like the surrogate itself
    text = "scan \udcff ok\n" * 30
    words = [{"id": k, "text": w, "confidence": 0.9, "box": [[0, 0], [4, 0], [4, 4], [0, 4]]}
             for k, w in enumerate(text.split())]
    chunks = chunk_record(PageRecord(text=text, metadata={"words": words}), chunk_size=8,
                          chunk_overlap=2, encoding=ENC)
    assert chunks and chunks[-1].metadata["end_index"] == len(text.rstrip())
    for chunk in chunks:
        assert chunk.metadata["token_count"] == len(ENC.encode_ordinary(chunk.text)) <= 8


@settings(max_examples=60, deadline=None)
@given(pairs=st.integers(1, 12), lone=st.sampled_from(["", "\ud800", "\udcff", "\ud83d\ud83d"]),
       size=st.integers(4, 60))
@example(pairs=10, lone="", size=50)
def test_surrogate_pairs_count_as_the_character_they_stand_for(pairs, lone, size) -> None:
    """A page holding surrogate pairs (a string built from UTF-16 halves): tiktoken reads a
    pair as its one 4-byte character, not as two 3-byte halves; every count stays exact,
    alone and among other pages."""
    text = "a" + "\ud83d\ude00" * pairs + lone + "b " + " ".join(f"w{k}" for k in range(200))
    pages = [make_record([["before", "page"]]), PageRecord(text=text, metadata={"page": 2}),
             make_record([["after", "page"]] * 40)]
    for chunk in [*chunk_record(pages[1], chunk_size=size, chunk_overlap=2, encoding=ENC),
                  *chunk_documents(pages, chunk_size=size, chunk_overlap=2, encoding=ENC)]:
        assert chunk.metadata["token_count"] == len(ENC.encode_ordinary(chunk.text)) <= size


def test_bad_sizes() -> None:
    record = make_record([["a"]])
    with pytest.raises(ValueError):
        chunk_record(record, chunk_size=0)
    with pytest.raises(ValueError):
        chunk_record(record, chunk_size=5, chunk_overlap=5)


def test_encodings_load_without_network(tmp_path) -> None:
    """cl100k_base comes from the installed offline copy; a missing one is a clear error."""
    code = (
        "import time\n"
        "from ocr_loaders.rag import get_encoding, EncodingUnavailableError\n"
        "print(get_encoding('cl100k_base').encode('hello world'))\n"
        "t = time.time()\n"
        "try:\n"
        "    get_encoding('r50k_base')\n"
        "except EncodingUnavailableError as e:\n"
        "    print('ERR', e, round(time.time() - t))\n"
    )
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path), "HTTPS_PROXY": "http://127.0.0.1:9",
           "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    assert "[15339, 1917]" in out.stdout
    assert "ERR" in out.stdout and "TIKTOKEN_CACHE_DIR" in out.stdout


def _texts_and_meta(chunks) -> list[tuple[str, dict]]:
    return [(c.text, c.metadata) for c in chunks]


def test_unknown_encoding_names_and_wrong_types_say_so() -> None:
    # a typo is not an offline problem: the error names the known encodings, not a download
    with pytest.raises(EncodingUnavailableError, match="unknown tiktoken encoding 'cl100k'") as err:
        chunk_record(make_record([["a"]]), encoding="cl100k")
    assert "cl100k_base" in str(err.value) and "TIKTOKEN_CACHE_DIR" not in str(err.value)
    with pytest.raises(TypeError, match="tiktoken"):
        chunk_record(make_record([["a"]]), encoding=None)


def _with_pattern(name: str, pattern: str):
    import tiktoken

    return tiktoken.Encoding(name=name, pat_str=pattern, mergeable_ranks=ENC._mergeable_ranks,
                             special_tokens={})


_ENCODINGS = {
    "cl100k_base": ENC,
    "o200k_base": _with_pattern("o200k_base", "|".join([
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"""
        r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"""
        r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""", r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""", r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""", r"""\s+"""])),
    "r50k_base": _with_pattern(
        "r50k_base",
        r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""),
}
"""The pre-tokenizer patterns of three encodings, with cl100k's ranks (tiktoken's own)."""

PAGE_TEXT = st.lists(st.tuples(TRICKY, SEPARATORS), max_size=12).map(
    lambda pieces: "".join(w + sep for w, sep in pieces))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(PAGE_TEXT, min_size=1, max_size=8),
       name=st.sampled_from(["cl100k_base", "o200k_base", "r50k_base"]))
@example(texts=["end.", "Next", "3", "4", "'s", "ok\n", " ok", "x\ud800"], name="cl100k_base")
@example(texts=["a", "x\ud83d\ude00y", "next page", "and the last"], name="cl100k_base")
def test_pages_encoded_together_count_as_alone(texts, name) -> None:
    """Pages are encoded several per call (joined): each page's token ends are exactly those
    of the page encoded alone, whatever its first and last characters (a surrogate pair kept
    as two code points, which tiktoken reads as one 4-byte character, included), under the
    pre-tokenizer patterns of cl100k_base, o200k_base and r50k_base (cl100k's ranks: only
    those ship offline)."""
    import numpy as np

    from ocr_loaders.rag.chunking import _encode_batch
    from ocr_loaders.rag.pageindex import token_ends

    enc = _ENCODINGS[name]
    got = _encode_batch(enc, texts)
    assert len(got) == len(texts)
    for text, ends in zip(texts, got):
        assert np.array_equal(ends, token_ends(enc, enc.encode_ordinary(text))), text


@settings(max_examples=300, deadline=None)
@given(first=st.sampled_from(["", " ", "(", "'", "\n", "\t", "7", "\u00b2", "\u0301", "\ud800",
                              "\u2014", "\u3000", "a", "\ufffd", ".", "\u4e00"]),
       rest=st.text(alphabet=[*"abcdeftheinsARE", "\u00e9", "\u4e2d", "\uac00", "\u0301",
                              "\u3042"], max_size=6),
       name=st.sampled_from(["cl100k_base", "r50k_base"]))
def test_one_token_words_count_without_tiktoken(first, rest, name) -> None:
    """A head or tail that the pre-tokenizer keeps whole and that is in the vocabulary is
    counted 1 without a call into tiktoken: exactly what tiktoken says, for any first
    character (contractions, digits, line breaks, marks, surrogates) under cl100k's and
    r50k's patterns."""
    import numpy as np

    from ocr_loaders.rag.pageindex import PageIndex, single_tokens

    enc = _ENCODINGS[name]
    piece = first + rest
    assert single_tokens(enc) is not None
    index = PageIndex(enc, "x", np.array([1]), np.array([0]), np.array([1]))
    assert index._short_count(piece) == len(enc.encode_ordinary(piece))


def test_pages_encoded_ahead_come_back_in_order(monkeypatch) -> None:
    """Pages are encoded in a background thread a few pages ahead: the chunks of a generator
    of pages of different lengths are those of each page alone, in page order, and
    tiktoken's numpy tokens count like ``encode_ordinary`` (special-token text included)."""
    import ocr_loaders.rag.chunking as chunking

    monkeypatch.setattr(chunking, "PAGES_AHEAD", 2)
    records = [make_record([["word", f"p{p}", "<|endoftext|>"]] * (3 + 7 * (p % 3)), page=p,
                           source=f"doc{p % 2}.pdf") for p in range(1, 8)]
    chunks = chunk_documents((r for r in records), chunk_size=9, chunk_overlap=2)
    expected = [c for r in records for c in chunk_record(r, chunk_size=9, chunk_overlap=2)]
    assert _texts_and_meta(chunks) == _texts_and_meta(expected)
    assert [c.metadata["page"] for c in chunks] == sorted(c.metadata["page"] for c in chunks)


class _FailingEncoding:
    """cl100k_base, except that encoding a text containing ``BOOM`` fails."""

    name = ENC.name

    def __getattr__(self, attr: str):
        return getattr(ENC, attr)

    def encode_to_numpy(self, text: str, **kwargs):
        if "BOOM" in text:
            raise RuntimeError("encoder failed")
        return ENC.encode_to_numpy(text, **kwargs)


def _encode_threads() -> list:
    import threading

    return [t for t in threading.enumerate() if t.name.startswith("ocr-loaders-encode")]


def test_errors_reach_the_caller_and_no_thread_is_left(monkeypatch) -> None:
    """An error while encoding a page (in the background thread) or while reading the pages
    is raised to the caller, and the encoding thread is gone afterwards."""
    import ocr_loaders.rag.chunking as chunking

    monkeypatch.setattr(chunking, "PAGES_AHEAD", 3)
    good = [make_record([["fine", "page"]] * 5, page=p) for p in range(1, 6)]
    bad = make_record([["BOOM", "page"]], page=6)
    with pytest.raises(RuntimeError, match="encoder failed"):
        chunk_documents([*good, bad, *good], chunk_size=8, chunk_overlap=0,
                        encoding=_FailingEncoding())
    assert not _encode_threads()

    def pages():
        yield from good
        raise KeyError("reader failed")

    with pytest.raises(KeyError, match="reader failed"):
        chunk_documents(pages(), chunk_size=8, chunk_overlap=0)
    assert not _encode_threads()
    def failing_page(record, *args):
        if record.metadata["page"] == 2:
            raise ValueError("chunking failed")
        return original(record, *args)

    original = chunking._chunk_page
    monkeypatch.setattr(chunking, "_chunk_page", failing_page)
    with pytest.raises(ValueError, match="chunking failed") as failure:
        chunk_documents(good, chunk_size=8, chunk_overlap=0)
    assert failure.traceback and not _encode_threads()  # gone while the traceback lives
    monkeypatch.setattr(chunking, "_chunk_page", original)
    # the same encoding object works when nothing fails
    assert len(chunk_documents(good, chunk_size=8, chunk_overlap=0,
                               encoding=_FailingEncoding())) == len(good) * 2


def test_cut_word_pieces_are_slices_at_their_own_offsets() -> None:
    # a long URL (as on the pages of ../shared/eval/pdfs/scan_ko_court_bh_5.pdf) cut for a
    # small chunk: each piece's text is the page text at its start_index / end_index
    url = "https://portal.scourt.go.kr/pgp/websquare/popup.html?w2xPath=/pgp/ui/pgp1000/" * 2
    record = make_record([["see", url, "here"]])
    chunks = chunk_record(record, chunk_size=16, chunk_overlap=0, encoding=ENC)
    pieces = [c for c in chunks if c.metadata["word_ids"] == [1]]
    assert len(pieces) > 1 and "".join(c.text for c in pieces) == url
    for chunk in chunks:
        meta = chunk.metadata
        assert record.text[meta["start_index"]:meta["end_index"]] == chunk.text
    assert [c.metadata["end_index"] for c in pieces[:-1]] == \
        [c.metadata["start_index"] for c in pieces[1:]]
    # a character that needs more tokens than a chunk: its parts give the character's span
    (odd,) = chunk_record(make_record([["\U0001f600"]]), chunk_size=1, chunk_overlap=0,
                          encoding=ENC)[:1]
    assert (odd.metadata["start_index"], odd.metadata["end_index"]) == (0, 1)


class _CountingEncoding:
    """cl100k_base, counting the characters ``encode_ordinary`` is given."""

    name = ENC.name

    def __init__(self) -> None:
        self.characters = 0

    def __getattr__(self, attr: str):
        return getattr(ENC, attr)

    def encode_ordinary(self, text: str):
        self.characters += len(text)
        return ENC.encode_ordinary(text)


def test_cutting_a_long_word_encodes_it_a_few_times_not_once_per_piece() -> None:
    """A word with no spaces (base64, minified JSON from another loader) is cut in linear
    work: each piece's search encoded the whole rest of the word (a 200,000-character word
    took 29 s at chunk_size=64). Counted in characters encoded, not timed."""
    import random
    import string

    rng = random.Random(0)
    blob = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(20_000))
    record = make_record([["data:", blob, "end"]])
    enc = _CountingEncoding()
    chunks = chunk_record(record, chunk_size=16, chunk_overlap=0, encoding=enc)
    pieces = [c for c in chunks if c.metadata["word_ids"] == [1]]
    assert "".join(c.text for c in pieces) == blob and len(pieces) > 500
    assert all(c.metadata["token_count"] == len(ENC.encode_ordinary(c.text)) <= 16
               for c in chunks)
    assert enc.characters < 20 * len(blob)
