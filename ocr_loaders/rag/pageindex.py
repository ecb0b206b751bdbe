"""Exact tiktoken counts for any run of whole words of a page, from one encoding of the page.

Chunking asks "how many tokens is the text from word ``a`` to word ``b``?" hundreds of times
per page. Encoding every candidate chunk would cost about one encoding of the page per
chunk size tried; instead the page is encoded once and a run's count is put together from
three parts:

- the page's own tokens between two *sync points* inside the run, and
- the run's first and last few words, encoded on their own.

A sync point is the end of a word that is followed by a space or tab, or by a line break
when the word ends in a letter or digit. tiktoken's pre-tokenizer (the regular expression
of cl100k_base, o200k_base, p50k_base and r50k_base) always starts a new piece there,
whatever comes before or after, so any text that contains that position is cut there into
the same pieces as the page, and BPE works on each piece alone. (After punctuation, cl100k
joins the line break to the punctuation: ``".\\n"`` is one piece, so those ends are not sync
points.) Encodings with other patterns get no sync points and each run is encoded whole;
counts stay exact either way.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

SYNC_SAFE_ENCODINGS = frozenset({
    "cl100k_base", "o200k_base", "o200k_harmony", "p50k_base", "p50k_edit", "r50k_base",
})
"""Encodings whose pre-tokenizer pattern the sync-point rule was checked against."""

LETTER_PIECE_ENCODINGS = {"cl100k_base": True, "p50k_base": False, "p50k_edit": False,
                          "r50k_base": False}
"""Encodings whose pre-tokenizer keeps a run of letters (``str.isalpha``) as one piece, after
a space (all) or after any one character that is no letter, digit, line break or apostrophe
(True: cl100k's ``[^\\r\\n\\p{L}\\p{N}]?\\p{L}+``; r50k's is `` ?\\p{L}+``)."""

SHORT_PIECE = 48
"""Longest head or tail piece (characters) whose count is remembered."""

_LF = 0x0A
_WHITESPACE = np.array([chr(c).isspace() for c in range(0x3002)], dtype=bool)
"""Whether ``str.split()`` splits on a code point, for those up to U+3000 (all it splits on)
and U+3001, which stands for every code point above (looked up with ``take(mode="clip")``,
one pass instead of three: 1.7 -> 0.6 ms over the 124 eval pages, best of 41)."""
_SOLID = ~_WHITESPACE
"""Whether ``str.split()`` keeps a code point (the same clipped table)."""


@functools.lru_cache(maxsize=8)
def token_bytes(enc: Any) -> np.ndarray:
    """Length in UTF-8 bytes of every token id of ``enc`` (0 for ids that are not tokens)."""
    lengths = np.zeros(enc.n_vocab, dtype=np.int64)
    decode = enc.decode_single_token_bytes
    for token in range(enc.n_vocab):
        try:
            lengths[token] = len(decode(token))
        except KeyError:  # gaps in the rank table and special tokens
            continue
    return lengths


def token_ends(enc: Any, tokens: Sequence[int]) -> np.ndarray:
    """Where each of ``tokens`` ends, in UTF-8 bytes from the start of their text."""
    ids = tokens if isinstance(tokens, np.ndarray) else np.fromiter(
        tokens, dtype=np.int64, count=len(tokens))
    ends: np.ndarray = token_bytes(enc).take(ids).cumsum()
    return ends


def _one_piece(piece: str, any_first: bool) -> bool:
    """Whether the pre-tokenizer keeps ``piece`` whole (``LETTER_PIECE_ENCODINGS``)."""
    if piece.isalpha():
        return True
    first, rest = piece[:1], piece[1:]
    if not rest.isalpha():
        return False
    if first == " ":
        return True
    # \p{L} is str.isalpha; \p{N} is within str.isnumeric; a lone surrogate is read as U+FFFD
    return any_first and first not in "\r\n'" and not first.isalpha() and not (
        first.isnumeric() or "\ud800" <= first <= "\udfff")


def single_tokens(enc: Any) -> tuple[dict[bytes, int], bool] | None:
    """The encoding's vocabulary (bytes -> rank) and its ``LETTER_PIECE_ENCODINGS`` rule, or
    None for other encodings. tiktoken encodes a pre-tokenizer piece that is itself in the
    vocabulary as that one token, so such a piece counts 1 without a call into tiktoken."""
    name = str(getattr(enc, "name", "")).removesuffix("_offline")
    ranks = getattr(enc, "_mergeable_ranks", None)
    if name not in LETTER_PIECE_ENCODINGS or not isinstance(ranks, dict):
        return None
    return ranks, LETTER_PIECE_ENCODINGS[name]


def sync_safe(enc: Any) -> bool:
    """Whether ``enc`` cuts its text like the encodings the sync-point rule was checked on."""
    name = str(getattr(enc, "name", ""))
    return name.removesuffix("_offline") in SYNC_SAFE_ENCODINGS


def whitespace_mask(text: str) -> np.ndarray:
    """For each character of the text, whether ``str.split()`` splits on it."""
    return _whitespace(_code_points(text))


def _code_points(text: str) -> np.ndarray:
    """The text's characters as numbers: bytes for ASCII text, else UTF-32 code units."""
    if text.isascii():
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    # a lone surrogate (text decoded with errors="surrogateescape") passes as its own number
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _whitespace(points: np.ndarray) -> np.ndarray:
    return _WHITESPACE.take(points, mode="clip")


def _solid_at(points: np.ndarray) -> np.ndarray:
    """Where the characters ``points`` are not whitespace."""
    return _SOLID.take(points, mode="clip").nonzero()[0]


def word_spans(text: str, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """Character starts and ends of ``words`` in ``text`` when the text is exactly the words
    in order with whitespace between (and maybe inside) them, the page text of every OCR
    result; None otherwise. Vectorised: no Python step per word.

    The words are joined with NUL between them, and where the NULs fall gives each word's
    length: no ``len`` per word, nor a ``split`` per word for words with spaces inside
    (those two were 4 of the 10 ms this took on the 124 eval pages). Words that contain NUL
    are measured one by one instead (``_word_spans_each``).
    """
    try:
        joined = "\0".join(words)
    except TypeError:  # a word whose text is not a string
        return None
    points = _code_points(text)
    parts = _code_points(joined)
    cuts = parts == 0
    after = cuts.nonzero()[0]  # where each word but the last ends
    if len(after) != len(words) - 1:  # NUL in a word (or no words)
        return _word_spans_each(text, words, points)
    solid = _solid_at(points)
    kept = ~cuts  # the words' own characters
    if _same_values(parts[kept], points[solid]):
        inner = after - np.arange(len(after))  # characters of the words before each NUL
    else:  # but whitespace, as ``str.split`` drops it ("SUBMISSION DATE")
        kept &= _SOLID.take(parts, mode="clip")
        if not _same_values(parts[kept], points[solid]):
            return None
        inner = kept.cumsum()[after]
    # where each word starts and ends among the text's non-whitespace characters
    edges = np.concatenate(([0], inner, [len(solid)]))
    starts, ends = edges[:-1], edges[1:]
    if not (ends > starts).all():  # an empty word has no place
        return None
    return solid[starts], solid[ends - 1] + 1


def _same_values(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays of character numbers (``_code_points``) hold the same characters."""
    if len(a) != len(b):
        return False
    if a.dtype == b.dtype:
        return a.tobytes() == b.tobytes()
    return bool((a == b).all())


def _word_spans_each(text: str, words: Sequence[str],
                     points: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``word_spans`` for words the NUL join cannot take apart, a ``len`` per word."""
    joined = "".join(words)
    solid = _solid_at(points)
    if _same_chars(points[solid], joined):  # the usual page: the words are the text's
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    else:  # words that contain whitespace ("SUBMISSION DATE"), or other text
        stripped = ["".join(w.split()) for w in words]
        if "".join(stripped) != "".join(text.split()):
            return None
        lengths = np.fromiter(map(len, stripped), dtype=np.int64, count=len(words))
    if not lengths.all():  # an empty word has no place
        return None
    last = np.cumsum(lengths) - 1
    return solid[last - lengths + 1], solid[last] + 1


def _same_chars(points: np.ndarray, joined: str) -> bool:
    """Whether the characters ``points`` (of ``_code_points``) spell ``joined``.

    Compared as bytes, instead of joining ``text.split()``: the split made a string per word
    and this check took 2.6 -> 0.4 ms (best of 31) on the 124 eval pages.
    """
    if len(points) != len(joined):
        return False
    if points.dtype == np.uint8:
        return joined.isascii() and points.tobytes() == joined.encode("ascii")
    return points.tobytes() == joined.encode("utf-32-le", "surrogatepass")


def _tiktoken_offsets(text: str, raw: np.ndarray) -> np.ndarray:
    """Byte offset of each character of ``text``, then of its end, in the UTF-8 that tiktoken
    encodes: it repairs a text holding surrogates through UTF-16, so a surrogate pair is the
    one 4-byte character it stands for and a lone surrogate is U+FFFD (3 bytes). ``raw`` is
    the text encoded with ``surrogatepass`` (3 bytes for every surrogate)."""
    lengths = np.diff(np.append(((raw & 0xC0) != 0x80).nonzero()[0], len(raw)))
    points = _code_points(text)
    high = (points >= 0xD800) & (points <= 0xDBFF)
    low = (points >= 0xDC00) & (points <= 0xDFFF)
    pair = high[:-1] & low[1:]  # UTF-16 pairs them left to right; a low one is never a high
    lengths[:-1][pair] = 4
    lengths[1:][pair] = 0
    offsets: np.ndarray = np.concatenate(([0], np.cumsum(lengths)))
    return offsets


class PageIndex:
    """Token accounting for the words of one page (see the module docstring).

    ``starts``/``ends`` are the words' character offsets in ``text`` (in order, not
    overlapping) and ``ends`` are the byte ends of the text's tokens (:func:`token_ends` of
    ``enc.encode_ordinary(text)``). Offsets into the page's tokens are UTF-8 bytes, because
    tokens are byte strings.
    """

    def __init__(self, enc: Any, text: str, token_ends: np.ndarray, starts: np.ndarray,
                 ends: np.ndarray, counts: dict[str, int] | None = None) -> None:
        self.enc = enc
        self.counts = {} if counts is None else counts
        """Token counts of short pieces (keyed by text; share one dict per encoding)."""
        self.text = text
        # read a few times per chunk: views, not lists (two lists of every word's offsets were
        # 3% of the Python work on the 124 eval pages)
        self.starts: Sequence[int] = starts.data
        self.ends: Sequence[int] = ends.data
        try:
            raw = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
            surrogates = False
        except UnicodeEncodeError:  # surrogates: bytes as tiktoken reads them, below
            raw = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
            surrogates = True
        if len(raw) == len(text):
            byte_starts, byte_ends = starts, ends
            newline_at = (raw == _LF).nonzero()[0]
        else:  # byte offset of each character, then of the end
            char_at = (_tiktoken_offsets(text, raw) if surrogates
                       else np.append(((raw & 0xC0) != 0x80).nonzero()[0], len(raw)))
            byte_starts, byte_ends = char_at[starts], char_at[ends]
            newline_at = (char_at[:-1][_code_points(text) == _LF] if surrogates
                          else (raw == _LF).nonzero()[0])
        self.cum: list[int] = token_ends.searchsorted(byte_ends, side="right").tolist()
        """Page tokens that end by each word's end: ``cum[b] - cum[a - 1]`` estimates a run."""
        # line breaks before each word's start, minus those before the end of the word before
        gap_newlines = newline_at.searchsorted(byte_starts)
        gap_newlines[1:] -= newline_at.searchsorted(byte_ends[:-1])
        gap_newlines[:1] = 0  # (a page may have no words: blank text, none found in it)
        breaks = gap_newlines.nonzero()[0]
        self.line_breaks: list[int] = breaks.tolist()
        """The words that start a line (after the first), ascending."""
        self.blank_before: frozenset[int] = frozenset(breaks[gap_newlines[breaks] >= 2].tolist())
        """The words that start a line after a blank line (two or more line breaks)."""
        self.sync_safe = sync_safe(enc)
        """Whether word ends may be sync points at all (else every run is encoded whole)."""
        self._single_tokens = single_tokens(enc)

    def is_sync(self, k: int) -> bool:
        """Whether the end of word ``k`` is a sync point (see the module docstring).

        Asked only for the few words at the edges of the runs that are counted, instead of
        for every word of the page up front: that was 6 ms of the ~90 ms of Python work on
        the 124 eval pages, and a run's first or last word is nearly always a sync point
        (86-96% of the words of those pages are, per data set; never more than 6 in a row
        are not). A run with none is looked through once, and then encoded whole anyway.
        """
        text, end = self.text, self.ends[k]
        if end >= len(text) or not self.sync_safe:
            return False
        following = text[end]
        if following in " \t":
            return True
        if following not in "\n\r":
            return False
        last = text[end - 1]  # a letter or digit before a line break
        return last.isalnum() if last.isascii() else (last.isalpha() or last.isdecimal())

    def __len__(self) -> int:
        return len(self.starts)

    def estimate(self, a: int, b: int) -> int:
        """Page tokens attributed to words ``a..b`` (inclusive); near the exact count."""
        return self.cum[b] - (self.cum[a - 1] if a else 0)

    def last_within(self, a: int, budget: int) -> int:
        """The last word ``b >= a - 1`` with ``estimate(a, b) <= budget``."""
        base = self.cum[a - 1] if a else 0
        return bisect.bisect_right(self.cum, base + budget) - 1

    def first_within(self, b: int, budget: int) -> int:
        """The first word ``a`` with ``estimate(a, b) <= budget`` (``b + 1`` if none)."""
        return bisect.bisect_left(self.cum, self.cum[b] - budget) + 1

    def span(self, a: int, b: int) -> tuple[int, int]:
        """Character range of words ``a..b`` in the page text."""
        return self.starts[a], self.ends[b]

    def count(self, a: int, b: int) -> int:
        """Exact tiktoken count of the page text from word ``a`` to word ``b`` (inclusive).

        When the run ends at a sync point (the end of most words), its tail is the page's
        own tokens too, so only its head is encoded on its own.
        """
        text, ends, is_sync = self.text, self.ends, self.is_sync
        start, end = self.starts[a], ends[b]
        first = a  # the first sync point of words a..b-1
        while first < b and not is_sync(first):
            first += 1
        if first >= b:
            return len(self.enc.encode_ordinary(text[start:end]))
        head = self._short_count(text[start:ends[first]])
        if is_sync(b):
            return head + self.cum[b] - self.cum[first]
        last = b - 1  # the last sync point of words a..b-1
        while not is_sync(last):
            last -= 1
        return head + self.cum[last] - self.cum[first] + self._short_count(text[ends[last]:end])

    def _short_count(self, piece: str) -> int:
        """Tokens of a run's head or tail (usually one word), remembered across the pages
        that share ``counts``."""
        count = self.counts.get(piece)
        if count is None:
            single = self._single_tokens
            if single is not None and _one_piece(piece, single[1]) and piece.encode() in single[0]:
                count = 1  # a word that is one token: no call into tiktoken
            else:
                count = len(self.enc.encode_ordinary(piece))
            if len(piece) <= SHORT_PIECE:
                self.counts[piece] = count
        return count
