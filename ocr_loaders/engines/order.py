"""Reading order of a page's lines.

:func:`reading_order` is a recursive XY-cut: a region is cut at a vertical white gap into text
columns when both sides look like running text (wide lines), else at wide horizontal gaps into
blocks; inside a block, lines are rows sorted top to bottom, left to right. Tables and forms
(narrow cells) therefore read row by row, and two-column papers column by column, also when a
few lines cross the gutter (:func:`_columns_between_spanners`). A skewed page is ordered as if it
were level (:func:`page_skew`); a page of vertical writing column by column from the right
(:func:`written_in_columns`).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from statistics import median

import numpy as np

from ocr_loaders.engines.layout import LineResult, Point, true_runs


def _rows(lines: list[LineResult]) -> list[list[LineResult]]:
    """Group lines whose vertical centres fall within each other's extent; sort each row by x."""
    rows: list[list[LineResult]] = []
    for line in sorted(lines, key=lambda ln: (ln.rect[1] + ln.rect[3]) / 2):
        _x0, y0, _x1, y1 = line.rect
        cy = (y0 + y1) / 2
        if rows:
            last = rows[-1]
            ry0 = median([ln.rect[1] for ln in last])
            ry1 = median([ln.rect[3] for ln in last])
            rcy = (ry0 + ry1) / 2
            if ry0 <= cy <= ry1 and y0 <= rcy <= y1:
                last.append(line)
                continue
        rows.append([line])
    return [sorted(row, key=lambda ln: ln.rect[0]) for row in rows]


def _gaps(intervals: list[tuple[float, float]], min_gap: float) -> list[float]:
    """Cut positions in the middle of empty stretches at least ``min_gap`` wide."""
    cuts: list[float] = []
    ordered = sorted(intervals)
    if not ordered:
        return cuts
    reach = ordered[0][1]
    for lo, hi in ordered[1:]:
        if lo - reach >= min_gap:
            cuts.append((lo + reach) / 2)
        reach = max(reach, hi)
    return cuts


def _split(lines: list[LineResult], cuts: list[float], axis: int) -> list[list[LineResult]]:
    groups: list[list[LineResult]] = [[] for _ in range(len(cuts) + 1)]
    for line in lines:
        centre = (line.rect[axis] + line.rect[axis + 2]) / 2
        groups[sum(1 for c in cuts if centre > c)].append(line)
    return [g for g in groups if g]


GUTTER_MAX = 6.0
"""Widest gap between columns of running text, in line heights (of detected boxes, about 1.3
times the type size: a gutter of 0.25-0.5 inch is 1.3-2.6 beside 10-point type, 3-4.7 on a
review's newsletter and 8-point Korean pages): wider, the two sides are a form's labels and
values, read across (long labels without colons came out all labels, then all values:
values 8.5 line heights away on a review's Korean and English forms; one at 4.9 still
does, as 4.0 read the newsletter row by row)."""


def _looks_like_text_columns(groups: list[list[LineResult]], region_width: float,
                             line_h: float) -> bool:
    """Columns of running text: each side has several rows of lines wider than a table cell,
    and no two are a form's labels and values (:func:`_near`)."""
    for group in groups:
        if len(group) < 3 or _labels(group):
            return False
        widths = [ln.rect[2] - ln.rect[0] for ln in group]
        if median(widths) < 0.18 * region_width:
            return False
    return _near(groups, line_h)


CONTINUED = re.compile(r"[A-Za-z,;]$")
"""A line ending so goes on in the next line (no full stop, colon or figure at its end)..."""
CONTINUING = re.compile(r"^[a-z][a-z'’-]*(?=[\s,;:!?)]|\.(?:\s|$)|$)")
"""...when the next line starts with a lower-case word (not an e-mail address or a web
address: ``daniel.okafor@...`` below a name is no sentence going on)."""


def _text_beside_notes(groups: list[list[LineResult]]) -> bool:
    """A column of running English prose beside a column of short notes (a sidebar: ``Key
    dates``, ``4 March board``, ...): read one after the other, not row by row (a sidebar's
    items were joined to the prose lines beside them, ``...annual budget and Key dates``).

    Prose is told by its sentences going on from line to line (:func:`_continuous`), which a
    form's values do not; the notes must be words (a column of amounts stays on its rows).
    """
    if len(groups) != 2:
        return False
    for prose, notes in (groups, groups[::-1]):
        if (_continuous(prose) and len(notes) >= 2
                and all(_wordy(ln.text) for ln in notes) and not _cells_of(notes, prose)):
            return True
    return False


def _cells_of(notes: list[LineResult], prose: list[LineResult]) -> bool:
    """Whether each note stands level with a line of ``prose`` that starts an item (its first
    line, or one the line before does not go on into): a table's cells beside wrapped
    descriptions (``Daily``, ``Twice a week`` beside tasks of two lines), which are read row by
    row; a sidebar's notes also stand beside lines that go on from the one before."""
    lines = sorted(prose, key=lambda ln: ln.rect[1])
    starts = [k == 0 or not _goes_on(lines[k - 1], ln) for k, ln in enumerate(lines)]
    for note in notes:
        centre, height = (note.rect[1] + note.rect[3]) / 2, note.rect[3] - note.rect[1]
        level = [k for k, ln in enumerate(lines)
                 if abs((ln.rect[1] + ln.rect[3]) / 2 - centre) <= height / 2]
        if not level or not starts[level[0]]:
            return False
    return True


def _continuous(column: list[LineResult]) -> bool:
    """Whether at least half the lines of a column of four or more go on in the next line
    (:func:`_goes_on`): sentences wrapped from line to line."""
    lines = sorted(column, key=lambda ln: ln.rect[1])
    if len(lines) < 4:
        return False
    going_on = sum(1 for a, b in itertools.pairwise(lines) if _goes_on(a, b))
    return 2 * going_on >= len(lines) - 1


def _goes_on(line: LineResult, below: LineResult) -> bool:
    """Whether ``line``'s sentence goes on in ``below`` (``CONTINUED`` then ``CONTINUING``)."""
    return bool(CONTINUED.search(line.text.rstrip()) and CONTINUING.match(below.text.lstrip()))


def _near(columns: list[list[LineResult]], line_h: float) -> bool:
    """Whether no two neighbouring columns are a form's labels and values: neither side
    reads as prose, verse or a list (a quarter or more of the labels holding a sentence's
    punctuation, :func:`_punctuated`; labels longer than ``LABEL_WORDS`` words,
    :func:`_phrases`; bulleted, :func:`_bulleted`; a quarter or more of all lines holding
    a Korean, Japanese or Chinese sentence mark, :func:`_sentences`: prose with no letter
    case to tell it by), and either
    more than ``GUTTER_MAX`` line heights apart with the values clearly the wider (longer
    than their labels; two lists of like lines that far apart stay columns), or closer and
    paired up (:func:`_paired`; lines of different widths on the two sides,
    ``PAIRED_WIDTHS``)."""
    for left, right in itertools.pairwise(columns):
        labels, values = _median_width(left), _median_width(right)
        if (_punctuated(left) or _phrases(left) or _bulleted(left)
                or _sentences([*left, *right])):
            continue
        gap = min(ln.rect[0] for ln in right) - max(ln.rect[2] for ln in left)
        if gap > GUTTER_MAX * line_h:
            if values >= 1.2 * labels:
                return False
        elif abs(values - labels) >= PAIRED_WIDTHS * max(values, labels) and _paired(
                left, right):
            return False
    return True


def _paired(left: list[LineResult], right: list[LineResult]) -> bool:
    """Whether two columns pair up as a form's labels and values do: both set flush
    (:func:`_aligned`), at least three labels level with a value and at most a third with
    none (a label left blank, a heading among them, a label wrapped onto a second line), the
    first value level with a label; a value may wrap onto lines of its own below (up to three
    value lines a label). Neither column is English prose (:func:`_prose`): labels going on
    from one to the next as sentences do, or values from one row's to the next.

    Labels close to their values (within a gutter's width: ``Registered company name`` and
    its value 4.9 line heights away, Korean labels 2.3) were read all labels, then all
    values; two columns of running text are as wide as each other (``PAIRED_WIDTHS``), or
    their sentences go on from line to line, or they are punctuated (:func:`_near`), or a
    heading or a paragraph break puts them out of step."""
    if len(left) < 3 or not (_aligned(left) and _aligned(right)):
        return False
    labels = sorted(left, key=_centre_y)
    values = sorted(right, key=_centre_y)
    paired = [any(_level(label, value) for value in values) for label in labels]
    level = [any(_level(label, value) for label in labels) for value in values]
    count = sum(paired)
    if count < 3 or 3 * (len(labels) - count) > len(labels) or len(values) > 3 * count:
        return False
    return level[0] and not (_prose(labels, paired) or _prose(values, level))


def _prose(lines: list[LineResult], rows: list[bool]) -> bool:
    """Whether more than half of the ``lines`` that start a row (``rows``; the first
    aside) go on from the line above (:func:`_goes_on`): sentences wrapped from line to line,
    where a form has a wrapped label or value now and then."""
    starts = [k for k in range(1, len(lines)) if rows[k]]
    going_on = sum(1 for k in starts if _goes_on(lines[k - 1], lines[k]))
    return 2 * going_on > len(starts)


SENTENCE_MARK = re.compile(r"[,;，；、。]|(?<![A-Za-z])[a-z]{2,}\.(?=\s|$)")
"""Punctuation of running text: a comma, a semicolon, a full stop after a lower-case word
(``spring.``); not the stops of abbreviations and numbers that labels hold (``Reg. No.``,
``Tel.``, ``D.O.B.``, ``1.2.``)."""
CJK_SENTENCE = re.compile(r"[\uac00-\ud7a3][.．。]|[。、，]")
"""A Korean sentence's end (``했다.``), a Japanese or Chinese full stop or comma: prose, which
a form's values (names, addresses, dates) seldom hold."""
PAIRED_WIDTHS = 0.05
"""Least difference of the two columns' median widths, as a share of the wider, for them to
be labels and values paired up (:func:`_paired`): columns of like lines, as wide as each
other (justified text, a list set in two columns), stay columns. A review's forms whose
values were 1.16x as wide as their labels (Korean, Traditional Chinese), or 0.91x (English
labels numbered ``1.1.``), read all labels, then all values, under the 1.2x asked before."""
LABEL_WORDS = 5
"""Most words in a form's label (median over the column): ``Total amount payable this
period``; a line of verse or prose has more (``Under the lamp the kettle sings``)."""


def _punctuated(lines: list[LineResult]) -> bool:
    """Whether a quarter or more of the lines hold a sentence's punctuation
    (``SENTENCE_MARK``): a column of prose, not of a form's labels."""
    return 4 * sum(1 for ln in lines if SENTENCE_MARK.search(ln.text)) >= len(lines)


def _phrases(lines: list[LineResult]) -> bool:
    """Whether a column's lines are longer than labels (``LABEL_WORDS``): lines of verse or
    prose set side by side. Counted in words where words are spaced (Latin, Korean), so
    Chinese and Japanese lines never count."""
    spaced = [len(ln.text.split()) for ln in lines if " " in ln.text.strip()]
    return 2 * len(spaced) > len(lines) and median(spaced) > LABEL_WORDS


BULLET = re.compile(r"^\s*[•·‣◦▪▫●○■‐–—*-]\s*\S")
"""A list item's bullet at the start of a line (not ``□``, a form's tick box)."""


def _bulleted(lines: list[LineResult]) -> bool:
    """Whether half or more of a column's lines are bulleted list items (``BULLET``): two
    lists side by side, not a form's labels (``• Offline recognition`` beside ``• Works
    without a network``, 6.9 line heights apart, came out row by row)."""
    return 2 * sum(1 for ln in lines if BULLET.match(ln.text)) >= len(lines)


def _sentences(lines: list[LineResult]) -> bool:
    """Whether a quarter or more of the lines hold a CJK sentence mark (``CJK_SENTENCE``)."""
    return 4 * sum(1 for ln in lines if CJK_SENTENCE.search(ln.text)) >= len(lines)


def _centre_y(line: LineResult) -> float:
    return (line.rect[1] + line.rect[3]) / 2


def _level(a: LineResult, b: LineResult) -> bool:
    """Whether two lines' vertical centres are within half the shorter one's height."""
    height = min(a.rect[3] - a.rect[1], b.rect[3] - b.rect[1])
    return abs(_centre_y(a) - _centre_y(b)) <= height / 2


def _aligned(column: list[LineResult]) -> bool:
    """Whether a column's lines all start, or all end, within half a line height of each
    other (a form's labels and values are set flush; a column of text holding a centred
    heading is not)."""
    height = _line_height(column)
    return any(max(edge) - min(edge) <= 0.5 * height
               for edge in ([ln.rect[0] for ln in column], [ln.rect[2] for ln in column]))


def _median_width(lines: list[LineResult]) -> float:
    return float(median(ln.rect[2] - ln.rect[0] for ln in lines))


def _sparse_gutters(
    lines: list[LineResult], x0: float, x1: float, min_width: float, max_crossing: float
) -> list[float]:
    """Column gutters: vertical stretches at least ``min_width`` wide that at most
    ``max_crossing`` lines cross, with lines on both sides, despite a few spanning lines.

    A stretch must be about as clear as the clearest one (crossed at its clearest by at most
    one line more): the gap between the ends of a column's lines, which only its few longest
    lines cross, is no gutter (a Korean court page's left column was cut there, its long
    lines taken for headings across the page). The cut is the middle of the stretch's
    clearest part, give or take one line, so that a heading centred over the gutter crosses
    it (``_spanners`` keeps it across the columns).
    """
    size = int(x1 - x0) + 1
    cover = np.zeros(size + 1, dtype=np.int32)
    for ln in lines:
        cover[max(int(ln.rect[0] - x0), 0)] += 1
        cover[min(int(ln.rect[2] - x0), size)] -= 1
    crossing = np.cumsum(cover)[:size]
    stretches = [(start, end) for start, end in true_runs(crossing <= max_crossing)
                 if end - start >= min_width]
    if not stretches:
        return []
    clearest = [int(crossing[start:end].min()) for start, end in stretches]
    cuts: list[float] = []
    for (start, end), least in zip(stretches, clearest, strict=True):
        if least > min(clearest) + 1:
            continue
        part = _clear_part(crossing, start, end, least, min_width)
        if part is not None:
            cuts.append(x0 + (part[0] + part[1]) / 2)
    return cuts


def _clear_part(crossing: np.ndarray, start: int, end: int, least: int,
                min_width: float) -> tuple[int, int] | None:
    """Where to cut a stretch: around its clearest point, the widest run at least
    ``min_width`` wide and with lines on both sides that at most one line more crosses than
    that point (the gap beside a column's few long lines, also that wide, is no such run:
    it does not hold the clearest point); else the widest such run of the clearest point
    alone (a column that ends the text in a line or two: the stretch runs on over those
    lines to the page's edge); None without either."""
    here = crossing[start:end]
    for most in (least + 1, least):
        parts = [(start + a, start + b) for a, b in true_runs(here <= most)
                 if start + a > 0 and start + b < len(crossing) and b - a >= min_width
                 and int(here[a:b].min()) == least]
        if parts:
            return max(parts, key=lambda part: part[1] - part[0])
    return None


def _spanners(lines: list[LineResult], cuts: list[float]) -> list[LineResult]:
    """Lines across a gutter: those that cross a cut and either reach into the columns on
    both sides or are centred in the gutter (a heading over the columns); a column's long
    line that only reaches into the gutter stays in its column."""
    out: list[LineResult] = []
    for cut in cuts:
        left = max((ln.rect[2] for ln in lines if ln.rect[2] <= cut), default=cut)
        right = min((ln.rect[0] for ln in lines if ln.rect[0] >= cut), default=cut)
        for ln in lines:
            lx0, _, lx1, _ = ln.rect
            if not lx0 < cut < lx1 or any(ln is s for s in out):
                continue
            if (lx0 < left and lx1 > right) or left <= (lx0 + lx1) / 2 <= right:
                out.append(ln)
    return out


def _has_running_text(column: list[LineResult], page_width: float,
                      before: list[LineResult] | None = None) -> bool:
    """At least three lines of words (:func:`_wordy`) filling most of a column at least a
    quarter of the page wide, or two of at most five lines (short paragraphs); a column may
    also hold a table. A column of form labels or values has no such lines, and one of
    labels ending in colons (:func:`_labels`) is none either.

    The last column (``before``: the column left of it) may be where the text ends
    (:func:`_text_ends_in`).
    """
    c0 = min(ln.rect[0] for ln in column)
    c1 = max(ln.rect[2] for ln in column)
    if _labels(column):
        return False
    if c1 - c0 >= 0.25 * page_width:
        full = [ln for ln in column
                if ln.rect[2] - ln.rect[0] >= 0.6 * (c1 - c0) and _wordy(ln.text)]
        if len(full) >= 3 or (len(full) == 2 and len(full) >= 0.4 * len(column)):
            return True
    return before is not None and _text_ends_in(column, before, page_width)


def _text_ends_in(column: list[LineResult], before: list[LineResult],
                  page_width: float) -> bool:
    """Whether the last column is where the running text of the column before it ends: its
    top line is a line of words level with one of that column's first two lines, and it is
    either about as wide as that column with its top line full (a full line, then the short
    end of the text) or just one or two lines of words (a right column of one line,
    ``month.``, was read beside the left column's first line). A receipt's column of amounts
    is none (figures)."""
    if not _has_running_text(before, page_width):
        return False
    b0 = min(ln.rect[0] for ln in before)
    b1 = max(ln.rect[2] for ln in before)
    top = min(column, key=lambda ln: ln.rect[1])
    # level with the first or second line of the column before (its text may start under a
    # heading that does not cross the gutter)
    heads = sorted(ln.rect[1] for ln in before)[:2]
    if not _wordy(top.text) or all(abs(top.rect[1] - y) > top.rect[3] - top.rect[1]
                                   for y in heads):
        return False
    if len(column) <= 2:
        return all(_wordy(ln.text) for ln in column)
    c0 = min(ln.rect[0] for ln in column)
    c1 = max(ln.rect[2] for ln in column)
    return c1 - c0 >= 0.8 * (b1 - b0) and top.rect[2] - top.rect[0] >= 0.6 * (c1 - c0)


def _labels(column: list[LineResult]) -> bool:
    """Whether at least half of a column's lines end in a colon: a form's labels, whose
    values stand in the next column on the same rows (so the rows are read across)."""
    return 2 * sum(1 for ln in column if ln.text.rstrip()[-1:] in (":", "：")) >= len(column)


def _wordy(text: str) -> bool:
    """Whether a line reads as words rather than figures (no fewer letters than digits): a
    receipt's column of amounts and dates is no running text, however wide its lines."""
    letters = sum(1 for ch in text if ch.isalpha())
    return letters >= sum(1 for ch in text if ch.isdigit())


def _columns_between_spanners(
    lines: list[LineResult], line_h: float, depth: int
) -> list[list[LineResult]] | None:
    """Text columns interrupted by a few lines that cross the gutter (a title, a centred
    heading, a full-width figure caption or footer).

    A gutter is a vertical stretch that only a few lines cross (:func:`_sparse_gutters`); the
    lines across it (:func:`_spanners`) split the page into bands, read top to bottom, each
    band column by column. ``None`` when the page does not look like that: the spanning lines
    must be few, each column but the last must hold running text (:func:`_has_running_text`;
    the last may be the end of the text, a few short lines) and every column must overlap its
    neighbour over most of its height, so forms with labels and values keep their row order.
    """
    if len(lines) < 6:
        return None
    x0 = min(ln.rect[0] for ln in lines)
    x1 = max(ln.rect[2] for ln in lines)
    width = x1 - x0
    cuts = _sparse_gutters(lines, x0, x1, line_h, max_crossing=max(3.0, 0.05 * len(lines)))
    if not cuts:
        return None
    spanners = _spanners(lines, cuts)
    if len(spanners) > 0.2 * len(lines):
        return None
    spanner_ids = {id(ln) for ln in spanners}
    columns = _split([ln for ln in lines if id(ln) not in spanner_ids], cuts, 0)
    if len(columns) < 2 or not _near(columns, line_h) or not all(
            _has_running_text(col, width, columns[k - 1] if k == len(columns) - 1 else None)
            for k, col in enumerate(columns)):
        return None
    extents = [(min(ln.rect[1] for ln in c), max(ln.rect[3] for ln in c)) for c in columns]
    for (a0, a1), (b0, b1) in itertools.pairwise(extents):
        if min(a1, b1) - max(a0, b0) < 0.5 * min(a1 - a0, b1 - b0):
            return None

    def by_columns(band: list[LineResult]) -> list[list[LineResult]]:
        return [row for col in _split(band, cuts, 0) for row in _order(col, line_h, depth + 1)]

    out: list[list[LineResult]] = []
    band: list[LineResult] = []
    for line in sorted(lines, key=lambda ln: ln.rect[1]):
        if id(line) in spanner_ids:
            if band:
                out += by_columns(band)
                band = []
            out.append([line])
        else:
            band.append(line)
    if band:
        out += by_columns(band)
    return out


def _order(lines: list[LineResult], line_h: float, depth: int) -> list[list[LineResult]]:
    if len(lines) <= 1 or depth > 12:
        return _rows(lines)
    x0 = min(ln.rect[0] for ln in lines)
    x1 = max(ln.rect[2] for ln in lines)
    xcuts = _gaps([(ln.rect[0], ln.rect[2]) for ln in lines], 1.0 * line_h)
    if xcuts:
        groups = _split(lines, xcuts, 0)
        if len(groups) > 1 and (_looks_like_text_columns(groups, x1 - x0, line_h)
                                or _text_beside_notes(groups)):
            return [row for g in groups for row in _order(g, line_h, depth + 1)]
    banded = _columns_between_spanners(lines, line_h, depth)
    if banded is not None:
        return banded
    ycuts = _gaps([(ln.rect[1], ln.rect[3]) for ln in lines], 0.8 * line_h)
    if ycuts:
        groups = _split(lines, ycuts, 1)
        if len(groups) > 1:
            return [row for g in groups for row in _order(g, line_h, depth + 1)]
    return _rows(lines)


SKEW_MIN_DEGREES = 0.5
"""Pages whose lines slope by less than this are ordered as they are..."""
SKEW_MIN_ASPECT = 4.0
"""...the slope being the median over lines at least this many times wider than tall."""


def page_skew(lines: Sequence[LineResult]) -> float:
    """The page's text slope in degrees (clockwise positive, image coordinates): the median
    slope of its long lines' top and bottom edges; 0.0 under ``SKEW_MIN_DEGREES`` or with
    fewer than three long lines."""
    slopes: list[float] = []
    for ln in lines:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = ln.quad[:4]
        top, left = math.hypot(x1 - x0, y1 - y0), math.hypot(x3 - x0, y3 - y0)
        if top < SKEW_MIN_ASPECT * max(left, 1.0):
            continue
        slopes.append(math.degrees(math.atan2(y1 - y0, x1 - x0)))
        slopes.append(math.degrees(math.atan2(y2 - y3, x2 - x3)))
    if len(slopes) < 6:
        return 0.0
    angle = median(slopes)
    return angle if abs(angle) >= SKEW_MIN_DEGREES and abs(angle) < 45 else 0.0


def _stand_in(line: LineResult, move: Callable[[float, float], Point]) -> LineResult:
    """A stand-in for ``line`` with each corner of its quad moved by ``move`` (ordering only
    reads the quad and the text)."""
    return LineResult(quad=[move(x, y) for x, y in line.quad], text=line.text,
                      confidence=line.confidence)


def _quarter_clockwise(right: float) -> Callable[[float, float], Point]:
    """Points turned a quarter clockwise, ``right`` (the page's right edge) becoming the top."""
    return lambda x, y: (y, right - x)


def _turned(degrees: float) -> Callable[[float, float], Point]:
    """Points turned by ``degrees`` (clockwise in image coordinates) about the origin."""
    rad = math.radians(degrees)
    cos, sin = math.cos(rad), math.sin(rad)
    return lambda x, y: (x * cos - y * sin, x * sin + y * cos)


VERTICAL_ASPECT = 1.5
"""A line standing this many times taller than wide is a column of vertical writing..."""
VERTICAL_SHARE = 0.5
"""...and a page with at least this share of such lines is written in columns."""


def _standing(line: LineResult) -> bool:
    """Whether a line stands ``VERTICAL_ASPECT`` times taller than wide (a column)."""
    x0, y0, x1, y1 = line.rect
    return (y1 - y0) > VERTICAL_ASPECT * (x1 - x0)


def written_in_columns(lines: Sequence[LineResult]) -> bool:
    """Whether the page's lines are mostly columns of vertical writing (Japanese or Chinese
    tategaki, read top to bottom, columns right to left). A CJK page lying on its side has
    such lines too, but it is turned upright before its lines are ordered."""
    if len(lines) < 2:
        return False
    return sum(1 for ln in lines if _standing(ln)) >= VERTICAL_SHARE * len(lines)


def reading_order(lines: Sequence[LineResult]) -> list[list[LineResult]]:
    """Order lines for reading; returns rows (visual lines), each a left-to-right list.

    On a skewed page (a scan fed in at a slant, a photo) the lines' upright rectangles grow
    tall and overlap the next rows, and rows and columns would be cut across; the lines are
    therefore ordered as if the page were level (their quads turned back by
    :func:`page_skew`). A page written in columns (:func:`written_in_columns`) is read as
    :func:`_columns_order` says. The lines themselves, boxes included, are not changed.
    """
    items = [ln for ln in lines if ln.text.strip()]
    if not items:
        return []
    if written_in_columns(items):
        return _columns_order(items)
    margins = _margin_lines(items)
    if margins:  # read after the page, each a row of its own
        kept = [ln for ln in items if not any(ln is m for m in margins)]
        return (reading_order(kept) if kept else []) + [[m] for m in margins]
    angle = page_skew(items)
    if angle:
        return _moved_order(items, _turned(-angle))
    return _order(items, _line_height(items), 0)


MARGIN_LINE_HEIGHTS = 8
"""A standing line on a page of level lines at least this many of their heights long..."""


def _margin_lines(items: list[LineResult]) -> list[LineResult]:
    """...is a line set sideways beside the text (a journal's ``Downloaded from ...`` in the
    margin, a document number down the edge). Standing across many rows, it joined none of
    them but cut no gutter either, and a two-column page under it was read row by row across
    both columns."""
    standing = [ln for ln in items if _standing(ln)]
    if not standing or len(standing) == len(items):
        return []
    line_h = _line_height([ln for ln in items if not _standing(ln)])
    return [ln for ln in standing if ln.rect[3] - ln.rect[1] >= MARGIN_LINE_HEIGHTS * line_h]


def _columns_order(items: list[LineResult]) -> list[list[LineResult]]:
    """A page of vertical writing: its level lines above the columns (a title) first, then
    the columns as if the page were turned a quarter clockwise, the rightmost on top (each
    column a row: right to left, each top to bottom; they read left to right before, a
    vertical Japanese notice last column first), then its level lines below them (a footer,
    a page number). Level lines among the columns (a short column, digits set across) are
    read with them. A title taken among the columns had come out seventh, joined to one."""
    standing = [ln for ln in items if _standing(ln)]
    top = min(ln.rect[1] for ln in standing)
    bottom = max(ln.rect[3] for ln in standing)
    above: list[LineResult] = []
    among: list[LineResult] = []
    below: list[LineResult] = []
    for ln in items:
        centre = (ln.rect[1] + ln.rect[3]) / 2
        if _standing(ln) or top <= centre <= bottom:
            among.append(ln)
        else:
            (above if centre < top else below).append(ln)
    rows = _order(above, _line_height(above), 0) if above else []
    rows += _moved_order(among, _quarter_clockwise(max(ln.rect[2] for ln in among)))
    return rows + (_order(below, _line_height(below), 0) if below else [])


def _moved_order(items: list[LineResult],
                 move: Callable[[float, float], Point]) -> list[list[LineResult]]:
    """``items`` in the reading order of stand-ins whose corners ``move`` moved."""
    stand_ins = [_stand_in(ln, move) for ln in items]
    original = {id(stand_in): ln for stand_in, ln in zip(stand_ins, items, strict=True)}
    rows = _order(stand_ins, _line_height(stand_ins), 0)
    return [[original[id(stand_in)] for stand_in in row] for row in rows]


def _line_height(lines: Sequence[LineResult]) -> float:
    return median([ln.rect[3] - ln.rect[1] for ln in lines]) or 1.0
