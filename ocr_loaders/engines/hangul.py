"""Hangul routing: lines PP-OCRv6 cannot read go to Tesseract, Hanja come back from PP-OCRv6.

PP-OCRv6 has no Hangul in its character set: on a Korean line it returns nothing, a low score,
or only the digits and Latin letters (``가. 피고는 2015. 1. 14.`` -> ``.2015.1.14.``). Such lines
are found by their score *and* by their character density (far fewer characters than the line's
length in character heights), and re-read by Tesseract as single lines (``kor+eng``; ``kor``
alone when that mix reads a short Korean crop as Latin). Tesseract, in turn, misreads Hanja
inside Korean lines (``甲`` -> ``HM``); its doubtful pieces are re-read by PP-OCRv6, which knows
Hanja, and replaced when PP-OCRv6 sees an ideograph with confidence.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image

from ocr_loaders.engines.layout import (
    LineResult,
    Piece,
    locate_pieces,
    merge_pieces,
    quad_rect,
    rect_quad,
)
from ocr_loaders.engines.polarity import dark_on_light
from ocr_loaders.engines.rules import without_rules
from ocr_loaders.engines.tesseract import Tesseract

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
SYLLABLE = re.compile(r"[\uac00-\ud7a3]")
KOREAN_WORD = re.compile(r"[\uac00-\ud7a3]{2,}")
IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
DOUBTED_PIECE = 0.9
UNREAD_HOLE = 0.6
"""Line heights between two pieces joined in the text, one scored under ``DOUBTED_PIECE``,
beyond which there is text PP-OCRv6 did not read."""
DOUBTFUL_PIECE = 0.5
"""A recognised piece scoring under this is doubtful."""

CJK_TEXT = re.compile(r"[\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
"""Ideographs and kana: what PP-OCRv6 writes for Chinese, Japanese and Hanja."""
CONFIDENT_CJK = 0.9
"""Least PP-OCRv6 line score at which its CJK reading stands against a Hangul reading that is
not :func:`credible` (:func:`read_as_cjk`)."""

HANJA_SCORE = 0.8
"""Least PP-OCRv6 score at which an ideograph reading may replace a Tesseract piece."""
CREDIBLE_HANGUL = 0.6
"""Least Tesseract confidence for a Hangul reading on a page that is not Korean."""
CREDIBLE_SYLLABLE = 0.9
"""...and for a one-syllable reading there."""

WIDE_LETTER = 1.4
"""A one-letter piece wider than this many heights spans more than its letter..."""
NARROW_LETTER = 0.8
"""...and one narrower than this many may hold less than its letter (``crop_piece``)."""
PARTICLES = frozenset([
    "은", "는", "이", "가", "을", "를", "의", "에", "에게", "에서", "에게서", "과", "와", "도",
    "로", "으로", "로부터", "으로부터", "만", "까지", "부터", "과의", "와의", "에는", "에도",
    "과는", "와는", "이나", "나", "이라", "라", "이라고", "라고", "이라는", "라는", "이고", "이며",
    "에게는", "에게도", "로서", "로서는", "으로서", "으로서는", "로는", "으로는", "에서는", "보다",
])
"""Korean particles that follow a party named by a Hanja letter (甲은, 乙에게, 丙의)."""
OPENING_QUOTES = frozenset("‘“\"'`")
OPENERS = OPENING_QUOTES | frozenset("([「『〈《")
"""Quotes and brackets a party name may follow (``‘乙은``, ``(甲은``)."""
QUOTE_SKIP = 0.3
"""Line heights at a word's start left out of a crop after an opening quote (its marks)."""
QUOTE_ROOM = 0.5
"""Line heights beyond its particle a quoted piece's box spans when a letter was dropped (a
quote and a particle alone span about 1.2 heights, with a letter between them about 2)."""
PARTY_LETTERS = frozenset("甲乙丙丁戊")
"""The Hanja court decisions name parties with: the only letters a doubted syllable read
with its particle, or after a quote, may turn into (a review's poor scans of common words
read at 0.99 or more as other Hanja: ``검은`` -> ``召은``, ``묵은`` -> ``号은``)."""
PAIR_DOUBT = 0.8
"""Tesseract confidence under which a syllable and its particle in one piece may be a Hanja
and its particle (``태은`` for 甲은 at 0.68; Korean words score 0.93-0.97)."""

KOREAN_PAGE_LANG = "kor"
MIXED_PAGE_LANG = "kor+eng"
Recognizer = Callable[[list[np.ndarray]], list[tuple[str, float]]]
"""Reads a batch of BGR crops with PP-OCRv6: ``[(text, score), ...]``."""


def needs_rereading(line: LineResult, width: int, height: int, threshold: float) -> bool:
    """True when PP-OCRv6 probably did not read (all of) the line.

    Signs: a low score, far fewer characters than the line is long (in line heights), or a
    stretch of the line without recognised characters: a hole between two of them wider than
    1.5 line heights (dropped Hangul in a mixed line: ``Seoul 서울특별시 甲`` -> ``Seoul 入甲``),
    or 1.5 before the first or after the last (``신청서 (Application Form)`` -> ``(Application
    Form)``), or 0.6 inside a word beside a piece it doubts (:func:`_unread_inside_word`), or
    a word it writes for ``이`` (``IEUNG_I``).
    These two signs add 12 Tesseract calls over 68 eval pages (Japanese 8, SROIE 3, FUNSD 1,
    Chinese 0) and change no reading of the 124.

    Characters are counted in half-width columns (an ideograph, kana or full-width sign is
    2): a line of Chinese read in full has about one character per line height, as many as a
    Latin line with half its letters dropped. Counted one each, every long Chinese line
    scored 1.0 was sent to Tesseract two or three times (0.1 s each) and its reading thrown
    away: 7 Tesseract calls a page on the Chinese eval pages, 0.5 s.
    """
    text, score = line.text, line.confidence
    if score < threshold or not text.strip():
        return True
    if width > 2 * height and columns(text) < width / max(height, 1):
        return True
    pieces = sorted(((quad_rect(p.quad), p.confidence) for p in line.pieces),
                    key=lambda r: r[0][0])  # (rect, score)
    lx0, ly0, lx1, ly1 = quad_rect(line.quad)
    line_h = ly1 - ly0
    if pieces and (pieces[0][0][0] - lx0 > 1.5 * line_h
                   or lx1 - pieces[-1][0][2] > 1.5 * line_h):
        return True
    if any(b[0] - a[2] > 1.5 * line_h for (a, _), (b, _) in itertools.pairwise(pieces)):
        return True
    return (_unread_inside_word(line, line_h) or _lone_ideographs(text)
            or _hole_in_latin_word(line, line_h)
            or any(IEUNG_I.fullmatch(p.text.strip()) for p in line.pieces))


IEUNG_I = re.compile(r"[0oO]\|[:.,;)]?")
"""A word PP-OCRv6 writes for the Hangul ``이`` (ㅇ beside ㅣ), sure of it: ``Email: 이메일
hong@example.com`` -> ``Email: o| hong@example.com`` at 1.0, the rest of the word unread
and the hole under the sign's 1.5 line heights at 30-45 px type."""


LONE_IDEOGRAPH = re.compile(r"(?<![\u3400-\u9fff\uf900-\ufaff])[\u3400-\u4dbf\u4e00-\u9fff"
                            r"\uf900-\ufaff]{1,3}(?![\u3400-\u9fff\uf900-\ufaff])")
"""A run of one to three ideographs with no ideograph right before or after it (longer than
one only when bracketed: ``_lone_ideographs``)."""


def _lone_ideographs(text: str) -> bool:
    """One or two lone ideographs in a line of Latin words (eight letters or more, 60% of its
    characters), or runs of up to three alone in brackets: what PP-OCRv6 writes for a short
    Korean word it cannot read, sure of it (``Contact: 홍길동 (Hong Gil-dong)`` ->
    ``Contact:喜(Hong Gil-dong)``, 喜 at 0.94, at 300 DPI with no hole wide enough to be a
    sign; engine 1.14: a name after its romanisation, ``Kim Soo-jin (김수진)`` -> ``(召个)`` at
    1.0). A Chinese word in running text (``Invoice 发票 number``) is none."""
    ideographs = IDEOGRAPH.findall(text)
    runs = [m for m in LONE_IDEOGRAPH.finditer(text)
            if len(m.group()) == 1 or _bracketed(text, m.start(), m.end())]
    if not 1 <= len(runs) <= 2 or sum(len(m.group()) for m in runs) != len(ideographs):
        return False
    solid = [c for c in text if not c.isspace()]
    letters = sum(1 for c in solid if c.isascii() and c.isalpha())
    return letters >= 8 and letters >= 0.6 * len(solid)


def _bracketed(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` stands alone between round brackets (half or full width)."""
    return text[start - 1:start] in ("(", "（") and text[end:end + 1] in (")", "）")


WORD_HOLES = (0.5, 1.2)
"""Line heights of blank on each side of a piece set inside a word of a Latin line, and on
both sides together, beyond which there is ink around it that PP-OCRv6 did not read."""


def _hole_in_latin_word(line: LineResult, line_h: float) -> bool:
    """A piece the text joins to the pieces on both sides of it (no space) with blank on
    each side (``WORD_HOLES``), in a line mostly of Latin letters and digits: a Korean name
    in brackets read as two letters, sure of them (``Daniel Park (박대니얼)`` -> ``(HL)`` at
    1.0: holes of 0.9 and 0.7 line heights). One hole beside confident pieces is no sign
    (``Xy:user@...``: a colon set apart). Not beside full-width punctuation."""
    solid = [c for c in line.text if not c.isspace()]
    if sum(1 for c in solid if c.isascii() and c.isalnum()) < LATIN_LINE * len(solid):
        return False
    each, both = WORD_HOLES
    spans = locate_pieces(line.text, line.pieces)
    located = [(p, span) for p, span in zip(line.pieces, spans, strict=True) if span]
    for (a, sa), (b, sb), (c, sc) in zip(located, located[1:], located[2:]):
        if sa[1] != sb[0] or sb[1] != sc[0] or any(
                _full_width_mark(ch) for ch in line.text[sb[0] - 1:sc[0] + 1]):
            continue
        left = quad_rect(b.quad)[0] - quad_rect(a.quad)[2]
        right = quad_rect(c.quad)[0] - quad_rect(b.quad)[2]
        if min(left, right) >= each * line_h and left + right >= both * line_h:
            return True
    return False


def _unread_inside_word(line: LineResult, line_h: float) -> bool:
    """Two pieces the text joins without a space, 0.6 line heights or more apart, one of them
    doubted (``DOUBTED_PIECE``): ink between them that PP-OCRv6 did not read (``이메일:`` ->
    ``0|:``, ``문의:`` -> ``是:``). Not beside full-width punctuation, whose glyph sits at one
    side of its cell (``偏好（参``)."""
    spans = locate_pieces(line.text, line.pieces)
    for (a, sa), (b, sb) in itertools.pairwise(zip(line.pieces, spans, strict=True)):
        if sa is None or sb is None or min(a.confidence, b.confidence) >= DOUBTED_PIECE:
            continue
        if sa[1] != sb[0]:
            continue  # a space between them: the hole is a word gap
        if _full_width_mark(line.text[sa[1] - 1]) or _full_width_mark(line.text[sb[0]]):
            continue
        if quad_rect(b.quad)[0] - quad_rect(a.quad)[2] > UNREAD_HOLE * line_h:
            return True
    return False


def _full_width_mark(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF" and unicodedata.category(char)[0] == "P"


def columns(text: str) -> int:
    """Half-width columns of the non-space characters (East Asian wide and full-width: 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text if not c.isspace())


LATIN_LINE = 0.5
"""Share of a line's characters that are Latin letters and digits from which it is a Latin
line, where an ideograph PP-OCRv6 doubts at all is a sign of Hangul..."""
LATIN_LINE_IDEOGRAPH = 0.95
"""...an ideograph scored under this (``Contact: 홍길동 (Hong Gil-dong)`` at 45 px: ``喜`` 0.904,
``召`` 0.913 on an AMX CPU in bfloat16, under 0.9 elsewhere; ``Total: W15,000 (早7川 王宫)``
at 0.56-0.87). A real Chinese or Japanese word so scored in a Latin line costs one
Tesseract read, whose reading is refused without Hangul (``credible``)."""


def doubtful_ideographs(line: LineResult) -> bool:
    """Whether PP-OCRv6 wrote ideographs it doubts (a piece under ``DOUBTFUL_PIECE``): what it
    does with Hangul, which it cannot read (``Seoul 서울특별시 甲 乙`` -> ``Seoul 善豐入 甲乙``,
    甲乙 at 0.32, the line at 0.9; ``사건 2019가합12345`` -> ``人2019712345``, 人 at 0.31).

    A sign on every page, Chinese ones included: a page-wide switch (only on pages with
    ideographs in at most a fifth of their lines) left such lines as Chinese characters on
    pages with Chinese or Hanja lines. A real Chinese line with a doubtful piece is read by
    Tesseract in vain, and its reading refused by :func:`credible` (Chinese lines read by
    ``kor+eng`` score 0.15-0.46). Measured: 3 of the 502 lines of the 11 Chinese eval pages
    have such a piece, which costs 2 Tesseract reads more on those pages (none taken).
    """
    if any(p.confidence < DOUBTFUL_PIECE and IDEOGRAPH.search(p.text) for p in line.pieces):
        return True
    # in a line mostly of Latin letters and digits, ideographs read under
    # LATIN_LINE_IDEOGRAPH: ``Total: ₩15,000 (부가세 포함)`` -> ``Total: W15,000 (早7川 王宫)``
    solid = [c for c in line.text if not c.isspace()]
    latin = sum(1 for c in solid if c.isascii() and c.isalnum())
    return latin >= LATIN_LINE * len(solid) and any(
        p.confidence < LATIN_LINE_IDEOGRAPH and IDEOGRAPH.search(p.text) for p in line.pieces)


def hangul_share(text: str) -> float:
    """The share of the non-space characters that are Hangul."""
    chars = "".join(text.split())
    return len(HANGUL.findall(chars)) / len(chars) if chars else 0.0


def some_hangul(tess: LineResult) -> bool:
    """Whether Tesseract's reading of a line that is not mostly Hangul has Hangul worth
    weighing against PP-OCRv6's (``prefer_tesseract``): 15% of its characters (a court
    citation), or a word of two syllables or more (``문의: 02-1234-5678``, ``합계 15,000``:
    labels of lines that are mostly digits, where PP-OCRv6 drops the Hangul and keeps the
    digits; Tesseract scored that first line 0.45, read right). Not noise with a stray
    syllable."""
    if hangul_share(tess.text) >= 0.15:
        return True
    return bool(KOREAN_WORD.search(tess.text))


SURE_NUMBER = 0.95
"""PP-OCRv6 score from which its reading of a short cell as a number beats Tesseract's
syllables (``short_syllables``)."""
NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)*%?")


def short_syllables(text: str) -> bool:
    """Whether Tesseract's reading is one or two Hangul letters and nothing else: what it
    makes of a short number alone in a table cell (``2`` -> ``디``, ``10`` -> ``프``)."""
    stripped = "".join(text.split())
    return 0 < len(stripped) <= 2 and hangul_share(stripped) == 1.0


def sure_number(line: LineResult) -> bool:
    """Whether PP-OCRv6 read a line as a number (digits, separators, a percent sign) at
    ``SURE_NUMBER`` or more; it cannot read Hangul, so a real syllable never comes out so."""
    return (line.confidence >= SURE_NUMBER
            and NUMBER.fullmatch("".join(line.text.split())) is not None)


def mostly_hangul(text: str) -> bool:
    """At least 30% of the non-space characters are Hangul (not a URL with one stray syllable)."""
    return hangul_share(text) >= 0.3


def credible(tess: LineResult) -> bool:
    """Whether Tesseract's reading of a line can be Hangul text.

    On pages that are not Korean, lines PP-OCRv6 cannot read are mostly logos, stamps, rules
    and smudges, which Tesseract ``kor`` reads as Hangul at low confidence (``바삽라`` at 0.0 on
    a Chinese page, ``반벅190`` at 0.32 on a form, ``조주초추...`` on a receipt's dotted rule).
    Measured on the eval pages: such junk at 0.0-0.55 (one single syllable at 0.86); real
    Korean lines read the same way have a 1st percentile of 0.79 (130 lines; one at 0.57, now
    rejected there). Chinese, Japanese and Hanja lines read by Tesseract come out as Hangul
    junk the same way (0.06-0.46 on rendered pages), which is what keeps them on a Korean
    page; there 469 of the 470 mostly-Hangul readings of the 13 Korean eval pages are
    credible (the other: ``[전 문】`` at 0.52). Readings of loose jamo only (``ㅡㅡ``) are
    never taken.
    """
    chars = "".join(tess.text.split())
    if not HANGUL.search(chars):
        return True
    syllables = len(SYLLABLE.findall(chars))
    if not syllables:  # loose jamo only (ㅡㅡ): a rule or a smudge
        return False
    if syllables == 1:
        return tess.confidence >= CREDIBLE_SYLLABLE
    return tess.confidence >= CREDIBLE_HANGUL


def read_as_cjk(line: LineResult, width: int, height: int, threshold: float) -> bool:
    """Whether PP-OCRv6 read a line confidently as Chinese, Japanese or Hanja: ideographs or
    kana, a line score of ``CONFIDENT_CJK`` or more, no doubtful ideograph, nothing that asks
    for re-reading.

    On a Korean page such a line keeps PP-OCRv6's reading when Tesseract's is not
    :func:`credible`: the Chinese, Japanese and Hanja lines of mixed pages score 0.98-1.0 and
    Tesseract's Hangul junk for them 0.06-0.46. The one Korean eval line Tesseract reads below
    credibility, ``【전 문】`` at 0.52, PP-OCRv6 reads ``【号】`` at 0.86 (号 at 0.58).
    """
    return (line.confidence >= CONFIDENT_CJK and bool(CJK_TEXT.search(line.text))
            and not doubtful_ideographs(line)
            and not needs_rereading(line, width, height, threshold))


def prefer_tesseract(pp: LineResult, tess: LineResult, threshold: float) -> bool:
    """Keep Tesseract's reading when it found Hangul, or PP-OCRv6 read (almost) nothing."""
    if HANGUL.search(tess.text):
        if pp.confidence < threshold or doubtful_ideographs(pp):
            return True
        ours, theirs = "".join(pp.text.split()), "".join(tess.text.split())
        return len(theirs) > 1.15 * len(ours) or hangul_for_junk(ours, theirs)
    return not pp.text.strip() or tess.confidence > pp.confidence + 0.1


def hangul_for_junk(pp_text: str, tess_text: str) -> bool:
    """Whether Tesseract's reading is PP-OCRv6's but for Hangul where PP-OCRv6 wrote fewer
    columns (look-alikes or nothing): ``0|:user@example.com`` against
    ``이메일:user@example.com``. The rest matching character for character is what makes the
    Hangul credible; a line where the two differ elsewhere is left to the length rule."""
    matcher = difflib.SequenceMatcher(None, pp_text, tess_text, autojunk=False)
    changed = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    same = sum(i2 - i1 for tag, i1, i2, _, _ in matcher.get_opcodes() if tag == "equal")
    return bool(changed) and same >= 2 and all(
        SYLLABLE.search(tess_text[j1:j2])
        and columns(pp_text[i1:i2]) < columns(tess_text[j1:j2])
        for _, i1, i2, j1, j2 in changed
    )


TESSERACT_MAX_HEIGHT = 64
TESSERACT_HEIGHT = 40
"""Line crops taller than ``TESSERACT_MAX_HEIGHT`` pixels are scaled to ``TESSERACT_HEIGHT``
before Tesseract reads them. Its recogniser loses large type: ``서울 지점 매출`` in crops
24-64 px high reads right, at 80-130 px ``매줄`` or ``WS`` (a picture in a slide, scaled
up; headings of 300-DPI scans). 40, not 48: the same line cut from a page three times as
large read ``WS`` again at 48 (fine at 32, 40 and 56: a knife edge, 40 keeps off it).
Boxes map back through the crop's quad, whatever its scale."""


def _to_page(quad: Sequence[tuple[float, float]], w: int, h: int, pad: int) -> Callable[
    [float, float], tuple[float, float]
]:
    tl, tr, _br, bl = (np.asarray(p, dtype=np.float64) for p in quad)

    def to_page(x: float, y: float) -> tuple[float, float]:
        u = min(max((x - pad) / max(w, 1), 0.0), 1.0)
        v = min(max((y - pad) / max(h, 1), 0.0), 1.0)
        p = tl + (tr - tl) * u + (bl - tl) * v
        return float(p[0]), float(p[1])

    return to_page


def _tesseract_image(crop: np.ndarray) -> Image.Image:
    """A BGR line crop as Tesseract should get it: one grey channel where its three
    channels are equal (a grey scan), else RGB.

    Tesseract thresholds each channel of a colour image on its own; handed three equal
    channels it does the same work three times over. Grey, the 171 lines of four Korean eval
    pages read the same and took 9% less time (36.5 -> 33.2 ms a line). A colour crop is not
    made grey: Tesseract's thresholds per channel are not those of any one grey conversion
    (four English eval pages, whose crops of suspect lines are colour JPEG, read differently).
    """
    crop = np.ascontiguousarray(crop)
    blue = crop[:, :, 0]
    if np.array_equal(blue, crop[:, :, 1]) and np.array_equal(blue, crop[:, :, 2]):
        return Image.fromarray(np.ascontiguousarray(blue))
    return Image.fromarray(np.ascontiguousarray(crop[:, :, ::-1]))


def read_line(
    tess: Tesseract,
    crop: np.ndarray,
    quad: list[tuple[float, float]],
    retry_korean: bool,
    lang: str = KOREAN_PAGE_LANG,
) -> tuple[LineResult, list[Piece]] | None:
    """Tesseract's reading of one line crop (BGR), with its raw pieces in page pixels.

    ``kor`` alone reads Korean pages best (measured: BoW .92 vs .89 with ``kor+eng``, which
    turns short Korean words into Latin look-alikes); on other pages a Korean line is usually
    mixed with English, where ``kor+eng`` keeps the English intact.
    """
    h, w = crop.shape[:2]
    if h > 1.5 * w:  # vertical text: single-line mode does not apply
        return None
    crop = without_rules(dark_on_light(crop))  # light ink inverted; a cell's rules removed
    image = _tesseract_image(crop)
    if h > TESSERACT_MAX_HEIGHT:  # large type: Tesseract reads it worse (see the constant)
        w = max(1, round(w * TESSERACT_HEIGHT / h))
        h = TESSERACT_HEIGHT
        image = image.resize((w, h), Image.Resampling.LANCZOS)
    pad = max(4, h // 4)
    canvas = Image.new(image.mode, (w + 2 * pad, h + 2 * pad), "white")
    canvas.paste(image, (pad, pad))
    text, conf, twords = tess.recognize_line(canvas, lang)
    if retry_korean and lang != "kor" and not HANGUL.search(text):
        alt = tess.recognize_line(canvas, "kor")
        if HANGUL.search(alt[0]) and alt[1] >= conf:
            text, conf, twords = alt
    if not text:
        return None
    to_page = _to_page(quad, w, h, pad)
    pieces = []
    for tw in twords:
        x0, y0, x1, y1 = tw.box
        corners = [to_page(x0, y0), to_page(x1, y0), to_page(x1, y1), to_page(x0, y1)]
        pieces.append(Piece(tw.text, tw.confidence, corners))
    line = LineResult(quad=quad, text=text, confidence=conf, words=merge_pieces(text, pieces))
    return line, pieces


def _standalone(text: str, span: tuple[int, int] | None) -> bool:
    if span is None:
        return False
    start, end = span
    return (start == 0 or text[start - 1].isspace()) and (end == len(text) or text[end].isspace())


LONE_DIGIT = re.compile(r"[0-9][.,]?")


def _wrapped_name(text: str, span: tuple[int, int] | None) -> bool:
    """A lone digit word ending a Korean line (``비록 2.``, ``없고, 2,``): a one-letter party
    name (乙) whose particle went to the next line, which Tesseract reads as a digit with a
    dot, sure of it; a real number rarely ends a line of Korean prose on its own."""
    if span is None or not SYLLABLE.search(text):
        return False
    start, end = span
    return ((start == 0 or text[start - 1].isspace()) and not text[end:].strip()
            and LONE_DIGIT.fullmatch(text[start:end]) is not None)


DATE_UNIT_DOUBT = 0.8
"""A one-syllable Tesseract piece right after digits scored under this may be a Hanja date
unit (``2024年 4月 30日`` read ``2024주 483 30더``: 주 0.51, 더 0.0, 던 0.42-0.61, where real
``년``/``월``/``일`` score 0.92-0.93); ``_date_number`` takes a misread ``月`` back."""
DATE_UNITS = ("年", "月", "日")
DATE_UNIT_SCORE = 0.9
"""Least PP-OCRv6 score at which a date unit replaces a doubted syllable after digits.
Measured on ``30`` + one sign rendered at 24-48 px, its one-letter crop read: 年 月 日 at
0.98-1.0 (日 0.945 in the 34 px test line on an AMX CPU in bfloat16, where it was 0.98
elsewhere: 0.95 lost it), Hangul syllables (일 년 월 더 주 던 힐) never as a date unit and
never above 0.72."""
DATE_NUMBER = re.compile(r"([0-9]+)([年月日])")


def _after_digit(piece: Piece, text: str, span: tuple[int, int] | None) -> bool:
    """A doubted one-syllable piece directly after a digit (a Hanja date unit misread)."""
    if span is None or span[0] == 0 or not text[span[0] - 1].isdigit():
        return False
    return (len(piece.text) == 1 and SYLLABLE.match(piece.text) is not None
            and piece.confidence < DATE_UNIT_DOUBT)


def _date_number(piece: Piece, reading: str) -> bool:
    """Whether PP-OCRv6's ``reading`` of a doubted digit piece is its number with a date
    unit: Tesseract reads 月 as digits (``483`` for ``4月``, ``12833`` for ``12月``) or drops
    a unit its box still covers (``30`` at 0.27 for ``30日``)."""
    found = DATE_NUMBER.fullmatch(reading)
    return found is not None and piece.text.isdigit() and piece.text.startswith(found[1])


def _before_particle(text: str, span: tuple[int, int] | None) -> bool:
    """The piece starts a word (or follows an opening quote or bracket: ``(뼈은``) and the
    rest of the word is a particle (``뼈은`` for 甲은)."""
    if span is None:
        return False
    start, end = span
    if start and not (text[start - 1].isspace() or text[start - 1] in OPENERS):
        return False
    rest = text[end:].split(maxsplit=1)
    return bool(rest) and not text[end:end + 1].isspace() and rest[0] in PARTICLES


def _quoted_name(piece: Piece, text: str, span: tuple[int, int] | None
                 ) -> tuple[str, str] | None:
    """A doubted piece starting a word with an opening quote or bracket and ending in a
    particle, with room for a letter between (``“은`` at 0.42 for ``‘乙은``: Tesseract
    dropped the Hanja, or read it as a syllable or a sign: ``“태은``, ``(뼈은``, ``“〈이``);
    the quote and the particle, or None. Only a party letter may go between
    (``PARTY_LETTERS``). Also a doubted particle alone starting a word, in a box with room
    for a letter before it (``이`` for 乙이): ``""`` and the particle."""
    word = piece.text.strip()
    if (span is not None and word in PARTICLES and piece.confidence < PAIR_DOUBT
            and (span[0] == 0 or text[span[0] - 1].isspace())
            # after a Korean word or at the line's start: not after the letter itself, read
            # or misread and set apart (``乙 로서는``, ``2. 로서는``)
            and (not (before := text[:span[0]].split()) or SYLLABLE.search(before[-1]))):
        # no quote: a particle alone in a box with room for a letter before it (``이`` at
        # 0.01 boxed 1.55 heights wide, for 乙이)
        x0, y0, x1, y1 = quad_rect(piece.quad)
        return ("", word) if x1 - x0 >= (len(word) + QUOTE_ROOM) * (y1 - y0) else None
    # the quote or bracket starts a word even set against the one before (``피고(甲은``)
    if span is None or len(word) < 2 or word[0] not in OPENERS or piece.confidence >= PAIR_DOUBT:
        return None
    x0, y0, x1, y1 = quad_rect(piece.quad)
    body = word[1:]
    if body in PARTICLES and x1 - x0 >= (len(body) + QUOTE_ROOM) * (y1 - y0):
        return word[0], body  # the letter dropped; its room is there
    if len(body) == 2 and not body[0].isspace() and body[1] in PARTICLES:
        return word[0], body[1]  # the letter read as a syllable or a sign (``“〈이``)
    return None


def _name_with_particle(piece: Piece, text: str, span: tuple[int, int] | None) -> bool:
    """A doubted two-syllable piece starting a word, whose second syllable is a particle:
    a one-letter party name read as a syllable together with its particle (甲은 -> ``태은``
    at 0.68), of which the left letter is read again."""
    word = piece.text.strip()
    return (span is not None and len(word) == 2 and SYLLABLE.fullmatch(word[0]) is not None
            and word[1] in PARTICLES and piece.confidence < PAIR_DOUBT
            and (span[0] == 0 or text[span[0] - 1].isspace()))


def _doubtful(piece: Piece, standalone: bool, before_particle: bool = False) -> bool:
    text = piece.text
    if before_particle and len(text.strip()) <= 2:
        # 甲은 -> 뼈은, 乙이 -> 2.이: a one-letter party name before a particle
        return True
    if HANGUL.search(text):
        # A syllable inside a word is Hangul (PP-OCRv6 reads 차 as 大); a one-syllable word
        # may be a misread Hanja (甲 -> 뿌, even at 0.91), checked against a strict score.
        return standalone and len(text) == 1
    if text.isascii() and any(c.isdigit() for c in text) and piece.confidence >= 0.8:
        return False
    return piece.confidence < 0.9


def crop_piece(bgr: np.ndarray, quad: Sequence[tuple[float, float]], *,
          one_letter: bool = False, pad_right: bool = True,
          square: bool = False) -> np.ndarray:
    """The piece's pixels with a margin; ``one_letter``: only its left square; ``square``:
    a box narrower than a square letter widened to one around its middle (Tesseract boxed
    15 px of a 24 px 甲 it read as ``투``: PP-OCRv6 read 0.9899 there, 0.996 on the square).

    Tesseract's box for a misread one-letter word before a particle often spans the particle
    too (``뼈이`` for 甲이: a box two letters wide); PP-OCRv6 then reads ``甲0|`` at a score too
    low to trust, while the left square alone reads ``甲`` at >= 0.99. ``pad_right=False``:
    a third of the margin on the right, where the next character is set close (``2024年4月``:
    年's crop with the margin read ``年4`` at 0.76-0.83, without it ``年`` at 0.99997; a unit
    before a space keeps it, as Tesseract's box may cut its right edge: ``日`` read ``E``).
    """
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    h = max(ys) - min(ys)
    pad = max(2, int(0.15 * h))
    left, right = min(xs), max(xs)
    if one_letter and right - left > WIDE_LETTER * h:
        right = left + h
    elif square and right - left < NARROW_LETTER * h:
        middle = (left + right) / 2
        left, right = middle - h / 2, middle + h / 2
    x0, y0 = max(int(left) - pad, 0), max(int(min(ys)) - pad, 0)
    x1, y1 = int(right) + (pad if pad_right else max(1, pad // 3)), int(max(ys)) + pad
    return bgr[y0:y1, x0:x1]


def restore_hanja(
    lines: list[tuple[LineResult, list[Piece]]], bgr: np.ndarray, recognize: Recognizer
) -> list[LineResult]:
    """Replace Tesseract pieces that PP-OCRv6 reads confidently as Hanja; rebuild the lines."""
    jobs: list[tuple[int, int]] = []
    crops: list[np.ndarray] = []
    units: set[tuple[int, int]] = set()  # doubted syllables after digits (``_after_digit``)
    pairs: set[tuple[int, int]] = set()  # a syllable before a particle (``태은``, ``투`` + ``이``)
    quoted: dict[tuple[int, int], tuple[str, str]] = {}  # ``“은`` for ‘乙은 (``_quoted_name``)
    for li, (line, pieces) in enumerate(lines):
        spans = locate_pieces(line.text, pieces)
        unit = False
        for pi, piece in enumerate(pieces):
            quote = _quoted_name(piece, line.text, spans[pi])
            if quote is not None:  # a letter after the quote, read without the quote
                x0, y0, x1, y1 = quad_rect(piece.quad)
                skip = QUOTE_SKIP * (y1 - y0) if quote[0] else 0.0
                crop = crop_piece(bgr, rect_quad(x0 + skip, y0, x1, y1), one_letter=True)
                if crop.size and min(crop.shape[:2]) >= 4:
                    jobs.append((li, pi))
                    crops.append(crop)
                    quoted[(li, pi)] = quote
                unit = False  # the next piece does not follow a date unit
                continue
            before_particle = _before_particle(line.text, spans[pi])
            wrapped = pi == len(pieces) - 1 and _wrapped_name(line.text, spans[pi])
            if _name_with_particle(piece, line.text, spans[pi]):
                pairs.add((li, pi))
                before_particle = True
            # the number after a doubted date unit is the next part of the date (``2024주
            # 483``: ``4月`` read ``483`` at 0.81, a score its digits are otherwise trusted at)
            month = unit and piece.text.isdigit()
            unit = _after_digit(piece, line.text, spans[pi])
            if unit:
                units.add((li, pi))
            if (wrapped or unit or month
                    or _doubtful(piece, _standalone(line.text, spans[pi]), before_particle)):
                # a unit with the next character set close after it (``年4月``) is cropped
                # without the right margin
                span = spans[pi]
                close = unit and span is not None and span[1] < len(line.text) and (
                    not line.text[span[1]].isspace())
                syllable = SYLLABLE.fullmatch(piece.text.strip()) is not None
                if before_particle and syllable:
                    pairs.add((li, pi))  # a Korean word's syllable, or a party letter
                crop = crop_piece(bgr, piece.quad, one_letter=wrapped or unit or (
                    before_particle and len(piece.text.strip()) <= 2), pad_right=not close,
                    square=before_particle and syllable)
                if crop.size and min(crop.shape[:2]) >= 4:
                    jobs.append((li, pi))
                    crops.append(crop)
    replaced: dict[int, dict[int, str]] = {}
    if crops:
        for (li, pi), (text, score) in zip(jobs, recognize(crops)):
            text = "".join(text.split())
            piece = lines[li][1][pi]
            if not text or not IDEOGRAPH.search(text) or score < HANJA_SCORE:
                continue
            # Measured: PP-OCRv6 reads real Hanja at >= 0.995 and Hangul look-alikes at
            # <= 0.988 (못 -> 吴), so a Hangul reading is replaced only above 0.99; but a
            # doubted syllable after digits read as a date unit, the character expected
            # there, from DATE_UNIT_SCORE (日 read at 0.945-0.98 in a 34 px rendering)
            unit_score = DATE_UNIT_SCORE if (li, pi) in units and text in DATE_UNITS else 0.99
            if (li, pi) in quoted:
                if score >= 0.99 and text in PARTY_LETTERS:
                    opening, rest = quoted[(li, pi)]
                    replaced.setdefault(li, {})[pi] = opening + text + rest
                continue
            if HANGUL.search(piece.text) and (score < unit_score or len(text) != 1):
                continue
            if (li, pi) in pairs and text not in PARTY_LETTERS:
                continue  # a Korean word Tesseract doubted (``검은``, ``습`` + ``은`` read 召, 合)
            if _date_number(piece, text):
                replaced.setdefault(li, {})[pi] = text
                continue
            if any(c.isalnum() and not IDEOGRAPH.match(c) for c in text):
                continue  # "1,300世": a number read with part of the next letter, not Hanja
            if (li, pi) in pairs:  # the left letter was read: the particle stays
                text += piece.text.strip()[1:]
            replaced.setdefault(li, {})[pi] = text
    out: list[LineResult] = []
    for li, (line, pieces) in enumerate(lines):
        changes = replaced.get(li)
        if not changes:
            out.append(line)
            continue
        new_pieces = [
            Piece(changes.get(i, p.text), 0.8 if i in changes else p.confidence, p.quad)
            for i, p in enumerate(pieces)
        ]
        text = _replace_spans(line.text, pieces, changes)
        out.append(LineResult(quad=line.quad, text=text, confidence=line.confidence,
                              words=merge_pieces(text, new_pieces)))
    return out


def _replace_spans(text: str, pieces: Sequence[Piece], changes: dict[int, str]) -> str:
    """``text`` with the spans of the changed pieces (located in order) replaced."""
    out: list[str] = []
    pos = 0
    for i, piece in enumerate(pieces):
        token = piece.text.strip()
        idx = text.find(token, pos) if token else -1
        if idx < 0:
            continue
        out.append(text[pos:idx])
        out.append(changes.get(i, text[idx: idx + len(token)]))
        pos = idx + len(token)
    out.append(text[pos:])
    return " ".join("".join(out).split())
