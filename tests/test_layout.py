"""Reading order on synthetic line layouts: columns with spanning titles, and forms; word
boxes tightened to their own ink."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocr_loaders.engines.layout import LineResult, quad_rect, rect_quad, tighten_to_ink
from ocr_loaders.engines.order import page_skew, reading_order


def line(text: str, x0: float, y0: float, x1: float, h: float = 20) -> LineResult:
    return LineResult(quad=rect_quad(x0, y0, x1, y0 + h), text=text, confidence=1.0)


def texts(rows: list[list[LineResult]]) -> list[str]:
    return [" | ".join(ln.text for ln in row) for row in rows]


def test_two_columns_under_a_centred_title_and_above_a_footer() -> None:
    lines = [line("TITLE ACROSS THE GUTTER", 300, 10, 700)]
    lines += [line(f"left {i}", 100, 40 + 30 * i, 480) for i in range(8)]
    lines += [line(f"right {i}", 520, 40 + 30 * i, 900) for i in range(8)]
    lines += [line("footer across", 400, 295, 600)]  # gaps under a line height
    order = texts(reading_order(lines))
    assert order == (["TITLE ACROSS THE GUTTER"] + [f"left {i}" for i in range(8)]
                     + [f"right {i}" for i in range(8)] + ["footer across"])


def test_a_line_set_sideways_in_the_margin_is_read_after_the_columns() -> None:
    """A journal's ``Downloaded from ...`` standing in the left margin across 20 rows: the
    two columns beside it were read row by row across both (CER .70 against .06)."""
    lines = [line("TITLE ACROSS THE GUTTER", 300, 10, 700)]
    lines += [line(f"left {i}", 100, 40 + 30 * i, 480) for i in range(20)]
    lines += [line(f"right {i}", 520, 40 + 30 * i, 900) for i in range(12)]
    margin = LineResult(quad=rect_quad(30, 100, 55, 600), text="Downloaded from x.org",
                        confidence=1.0)
    order = texts(reading_order([*lines, margin]))
    assert order == (["TITLE ACROSS THE GUTTER"] + [f"left {i}" for i in range(20)]
                     + [f"right {i}" for i in range(12)] + ["Downloaded from x.org"])
    # a short standing label (a form's side heading) is not taken out of its rows
    label = LineResult(quad=rect_quad(30, 40, 55, 120), text="NOTE", confidence=1.0)
    assert texts(reading_order([*lines, label]))[-1] != "NOTE"


def test_two_columns_whose_text_ends_in_the_right_one() -> None:
    # the right column is the end of the text: two full lines, then short ones (a sign-off)
    lines = [line("TITLE ACROSS THE GUTTER", 250, 10, 700)]
    lines += [line(f"left {i}", 100, 50 + 30 * i, 480 - (60 if i % 3 == 0 else 0))
              for i in range(7)]
    right = [(520, 900), (520, 640), (520, 900), (520, 600), (520, 610), (760, 905), (820, 905)]
    lines += [line(f"right {i}", x0, 50 + 30 * i, x1) for i, (x0, x1) in enumerate(right)]
    order = texts(reading_order(lines))
    assert order == (["TITLE ACROSS THE GUTTER"] + [f"left {i}" for i in range(7)]
                     + [f"right {i}" for i in range(7)])


def test_a_column_whose_long_lines_reach_into_the_gutter_is_not_cut() -> None:
    # a court decision in two columns: the left one opens with label rows and centred
    # headings, and a few of its lines reach far into the gutter; a title and a centred
    # heading stand over the gutter. Only the gap between the columns is a gutter. (The
    # boxes of a 200-DPI page: lines 40 px tall.)
    lines = [line("COURT", 620, 10, 1040, h=40), line("JUDGMENT", 770, 60, 885, h=40)]
    left = [(177, 627), (174, 416), (174, 307), (174, 493), (172, 493), (446, 524),
            (174, 720), (177, 766), (175, 537), (174, 562), (446, 524)]
    lines += [line(f"left {i}", x0, 130 + 50 * i, x1, h=40)
              for i, (x0, x1) in enumerate(left)]
    right = [(856, 1004), (856, 1428), (860, 1363), (856, 1188), (859, 1350), (859, 1344),
             (856, 1199), (859, 1434), (859, 1357), (860, 1322), (856, 1195)]
    lines += [line(f"right {i}", x0, 130 + 50 * i, x1, h=40)
               for i, (x0, x1) in enumerate(right)]
    order = texts(reading_order(lines))
    assert order == (["COURT", "JUDGMENT"] + [f"left {i}" for i in range(11)]
                     + [f"right {i}" for i in range(11)])


def test_a_chinese_notice_in_two_columns_with_a_signature() -> None:
    # the line boxes PP-OCRv6 found on a rendered two-column Chinese notice: a title across,
    # a left column opening with a short salutation, and a right column that goes on from
    # it and ends in two right-aligned signature lines
    left = [(177, 265, 342, 303), (177, 316, 769, 352), (177, 365, 371, 402),
            (179, 415, 778, 451), (177, 464, 718, 501), (177, 514, 788, 550),
            (177, 561, 727, 597), (179, 614, 779, 645)]
    right = [(854, 263, 1473, 309), (856, 319, 1083, 356), (859, 365, 1473, 402),
             (856, 412, 1023, 451), (856, 461, 993, 498), (1179, 508, 1479, 554),
             (1283, 559, 1477, 601)]
    lines = [LineResult(quad=rect_quad(463, 189, 1191, 242), text="TITLE", confidence=1.0)]
    lines += [LineResult(quad=rect_quad(*r), text=f"左{i}", confidence=1.0)
              for i, r in enumerate(left)]
    lines += [LineResult(quad=rect_quad(*r), text=f"右{i}", confidence=1.0)
              for i, r in enumerate(right)]
    order = texts(reading_order(lines))
    assert order == ["TITLE"] + [f"左{i}" for i in range(8)] + [f"右{i}" for i in range(7)]


def test_a_right_column_of_one_line_ends_the_text() -> None:
    # the text runs down the left column and ends after one line in the right one
    lines = [line("TITLE", 420, 10, 620)]
    lines += [line(f"left {i}", 100, 50 + 30 * i, 480) for i in range(9)]
    lines += [line("right 0", 540, 50, 900)]
    order = texts(reading_order(lines))
    assert order == ["TITLE"] + [f"left {i}" for i in range(9)] + ["right 0"]


def test_short_columns_of_short_paragraphs() -> None:
    # five lines a column, two of them full: paragraphs of one and a half lines
    widths = [200, 380, 150, 380, 170]
    lines = [line("A TITLE ACROSS", 350, 10, 700)]
    lines += [line(f"left {i}", 100, 50 + 30 * i, 100 + w) for i, w in enumerate(widths)]
    lines += [line(f"right {i}", 540, 50 + 30 * i, 540 + w) for i, w in enumerate(widths)]
    order = texts(reading_order(lines))
    assert order == (["A TITLE ACROSS"] + [f"left {i}" for i in range(5)]
                     + [f"right {i}" for i in range(5)])


def test_a_sidebar_of_notes_is_read_after_the_prose_beside_it() -> None:
    prose = ["The board met on 4 March to review the annual budget and",
             "the plan for the new warehouse in the northern district.",
             "Members agreed that construction should begin in June and",
             "that the contractor must deliver monthly progress reports.",
             "The finance director presented the revised cash forecast,",
             "which shows a modest surplus at the end of the year after",
             "the loan repayments and the planned equipment purchases."]
    notes = ["Key dates", "4 March board", "1 June start", "30 Sept review"]
    lines = [line(text, 100, 10 + 30 * i, 100 + 14 * len(text)) for i, text in enumerate(prose)]
    lines += [line(text, 1100, 10 + 30 * i, 1100 + 14 * len(text))
              for i, text in enumerate(notes)]
    assert texts(reading_order(lines)) == prose + notes
    # amounts beside the prose stay on their rows
    amounts = [line(f"{10 * (i + 1)}.00", 1100, 10 + 30 * i, 1180) for i in range(4)]
    rows = texts(reading_order(lines[:len(prose)] + amounts))
    assert rows[0] == f"{prose[0]} | 10.00"


def test_word_cells_beside_wrapped_descriptions_stay_on_their_rows() -> None:
    # a table: tasks wrapped over two lines, each with its frequency on its first line
    tasks = [("Empty the bins in all offices and sweep the", "yard behind the building"),
             ("Vacuum the carpets and mop the floors of", "the washrooms"),
             ("Clean the windows inside and dust the", "cupboards")]
    cells = ["Daily", "Twice a week", "Monthly"]
    lines = []
    for i, ((first, second), cell) in enumerate(zip(tasks, cells)):
        lines.append(line(first, 100, 10 + 60 * i, 100 + 14 * len(first)))
        lines.append(line(second, 100, 40 + 60 * i, 100 + 14 * len(second)))
        lines.append(line(cell, 1100, 10 + 60 * i, 1100 + 14 * len(cell)))
    assert texts(reading_order(lines))[:2] == [f"{tasks[0][0]} | Daily", tasks[0][1]]


@pytest.mark.parametrize(("colon", "values_at"), [
    ("", 560),  # no colons, but the (longer) values stand far more than a gutter away
    (":", 460),  # within a gutter's width, but the labels end in colons
    ("", 460),  # no colons, within a gutter's width, but paired line for line
])
def test_long_labels_keep_their_rows(colon: str, values_at: int) -> None:
    labels = [f"{label}{colon}" for label in ["Registered business name",
              "Representative director", "Head office address", "Telephone number",
              "Date of incorporation"]]
    values = ["Hanbit Tech Company Limited, Seoul branch", "Hong Gil-dong, chief executive",
              "12 Teheran-ro, Gangnam-gu, Seoul 06234", "02-1234-5678 (weekdays 9 to 6)",
              "1 March 2015, Seoul Central District Court"]
    lines = []
    for i, (label, value) in enumerate(zip(labels, values)):
        lines.append(line(label, 100, 10 + 30 * i, 100 + 13 * len(label)))
        lines.append(line(value, values_at, 10 + 30 * i, values_at + 13 * len(value)))
    order = texts(reading_order(lines))
    assert order == [f"{label} | {value}" for label, value in zip(labels, values)]


def test_values_wrapped_onto_two_lines_stay_with_their_labels() -> None:
    rows = [("Applicant name", ["Northwind Trading Limited"]),
            ("Registered address", ["12 Harbour Road, Wan Chai, Hong Kong,",
                                    "opposite the ferry pier"]),
            ("Nature of business", ["Import and export of electronic parts"]),
            ("Bank and branch", ["Hang Seng Bank, Central branch office, and",
                                 "its account number"]),
            ("Contact person", ["Ms. Alice Wong, Managing Director"])]
    lines, y, expected = [], 10, []
    for label, values in rows:
        lines.append(line(label, 100, y, 100 + 13 * len(label)))
        for k, value in enumerate(values):
            lines.append(line(value, 420, y, 420 + 13 * len(value)))
            expected.append(f"{label} | {value}" if k == 0 else value)
            y += 30
    assert texts(reading_order(lines)) == expected


PROSE = {
    "en": (["The council met on Monday to", "review the budget for the coming",
            "year and agreed that the new", "library should open in spring.",
            "Members thanked the staff for"],
           ["their work on the plan, which took three years to prepare and",
            "drew on the views of more than two thousand residents who",
            "answered the survey last autumn, and asked that the report",
            "be published before the next meeting of the full council in",
            "June, with a summary for every household in the district."]),
    # a review's two-column Korean page (no letter case: its sentence ends tell it)
    "ko": (["올해 지역 문화센터 리모델링 공사는", "계획보다 빠르게 진행되고 있다. 위원회는",
            "지난달 회의에서 지붕 교체 공사가", "예정보다 일찍 마무리되었다고 밝혔으며",
            "새 난방 설비 설치는 일부 부품의 납품", "지연으로 다소 늦어지고 있다고 설명했다.",
            "재무 담당자는 지출이 승인된 예산 범위", "안에서 관리되고 있으며 대강당 개선"],
           ["고 설명했다. 재무 담당자는 지출이 승인된 예산 범위 안에서 관리되고",
            "있으며 대강당 개선 공사를 위한 추가 보조금 신청서를 지역 예술위원회에",
            "제출했다고 보고했다. 회의에 참석한 주민들은 공사 기간 동안의 주차 문제에",
            "대해 우려를 표했고 위원장은 다음 회의 전까지 시공사와 협의하겠다고",
            "약속했다. 또한 남은 공사 일정과 도서관 및 어린이집 임시 출입 방법을",
            "안내하는 소식지를 모든 가구에 배포하기로 했다. 회의는 여름 바자회를",
            "준비한 자원봉사자들에게 감사 인사를 전하며 마무리되었다. 올해 지역",
            "문화센터 리모델링 공사는 계획보다 빠르게 진행되고 있다. 위원회는 지난달"]),
}


@pytest.mark.parametrize("language", ["en", "ko"])
def test_two_columns_of_prose_on_level_lines_stay_columns(language: str) -> None:
    # the right column wider and every line level with one on the left, as labels and
    # values stand; but the sentences go on from line to line (English) or end on the
    # lines (Korean, which has no letter case to tell)
    left, right = PROSE[language]
    em = 11 if language == "en" else 16  # a Hangul syllable is about a square
    lines = [line(t, 60, 80 + 30 * i, 60 + em * len(t)) for i, t in enumerate(left)]
    at = 60 + em * max(map(len, left)) + 60
    lines += [line(t, at, 80 + 30 * i, at + em * len(t)) for i, t in enumerate(right)]
    assert texts(reading_order(lines)) == left + right


def test_values_narrower_than_their_labels_keep_their_rows() -> None:
    rows = [("Total amount payable this period", "1,240.00 GBP"),
            ("Date payment is due by", "30 June 2025"), ("Number of instalments agreed", "Twelve"),
            ("Account reference number", "AC-55120"), ("Sort code of paying bank", "20-45-77"),
            ("Direct debit mandate signed", "Yes")]
    lines = []
    for i, (label, value) in enumerate(rows):
        # a rendered page's geometry: labels at 118 px, values at 704 px, 37 px lines
        lines.append(line(label, 118, 120 + 57 * i, 118 + 15.5 * len(label), h=37))
        lines.append(line(value, 704, 120 + 57 * i, 704 + 19 * len(value), h=37))
    assert texts(reading_order(lines)) == [f"{label} | {value}" for label, value in rows]


@pytest.mark.parametrize("rows", [
    # abbreviations in the labels are no sentence punctuation
    [("Company name", "Northwind Trading Ltd"), ("Reg. No.", "08451236 (England)"),
     ("Tel.", "+44 20 7946 0321"), ("Dept.", "Freight and customs"),
     ("D.O.B. of director", "14 March 1971")],
    # numbered labels, values about as wide (0.9x)
    [("1.1. Applicant name", "Maria Gonzalez"), ("1.2. Date of birth", "14 July 1992"),
     ("1.3. Place of birth", "Valencia, Spain"), ("1.4. Nationality", "Spanish"),
     ("1.5. Passport number", "PAA123456")],
])
def test_form_labels_with_abbreviations_or_numbers_keep_their_rows(
        rows: list[tuple[str, str]]) -> None:
    lines = []
    for i, (label, value) in enumerate(rows):
        lines.append(line(label, 118, 120 + 57 * i, 118 + 15 * len(label), h=37))
        lines.append(line(value, 560, 120 + 57 * i, 560 + 15 * len(value), h=37))
    assert texts(reading_order(lines)) == [f"{label} | {value}" for label, value in rows]


def test_verses_side_by_side_stay_columns() -> None:
    # two stanzas on level lines, no punctuation, every line capitalised: lines of six
    # words and more are verse, not labels
    left = ["Under the lamp the kettle sings", "The window holds a sleeping town",
            "My father folds the evening news", "And sets his careful glasses down"]
    right = ["Somewhere beyond the harbour lights a ship is turning home",
             "The sailors count the miles that fall like ashes on the foam",
             "They do not speak of wives or sons or gardens left to seed",
             "They only watch the northern star and pray that it will lead"]
    lines = [line(t, 100, 120 + 50 * i, 100 + 14 * len(t), h=32) for i, t in enumerate(left)]
    lines += [line(t, 650, 120 + 50 * i, 650 + 14 * len(t), h=32) for i, t in enumerate(right)]
    assert texts(reading_order(lines)) == left + right


def test_two_bulleted_lists_far_apart_stay_columns() -> None:
    # the right list clearly wider and 7 line heights away, as a form's values stand; but
    # bulleted items are a list, not labels
    left = ["• Offline recognition", "• Korean and Japanese", "• Fast batch mode",
            "• Table detection", "• PDF export"]
    right = ["• Works without a network connection", "• Citations with word boxes on the page",
             "• One install for LangChain and LlamaIndex", "• Typed errors for bad input",
             "• Self-hosted server with the same API"]
    lines = [line(t, 100, 120 + 50 * i, 100 + 13 * len(t), h=34) for i, t in enumerate(left)]
    lines += [line(t, 620, 120 + 50 * i, 620 + 13 * len(t), h=34) for i, t in enumerate(right)]
    assert texts(reading_order(lines)) == left + right


def test_form_rows_with_blank_values_headings_and_wrapped_labels() -> None:
    # a label left blank, a heading in the label column, a label wrapped onto two lines
    # and an e-mail address under a name: still a form, read row by row
    rows = [("Applicant", "Daniel Chukwuemeka Okafor"), ("", "daniel.okafor@example.com"),
            ("Previous names", None), ("Registered name of", "Northwind Logistics Holdings"),
            ("the company", "Limited"), ("Company number", "08451236"),
            ("Correspondence", None), ("Nature of business", "Freight forwarding services"),
            ("Contact telephone", "+44 20 7946 0321")]
    lines, expected = [], []
    for i, (label, value) in enumerate(rows):
        y = 10 + 30 * i
        row = []
        if label:
            lines.append(line(label, 100, y, 100 + 13 * len(label)))
            row.append(label)
        if value:
            lines.append(line(value, 420, y, 420 + 13 * len(value)))
            row.append(value)
        expected.append(" | ".join(row))
    assert texts(reading_order(lines)) == expected


def test_two_lists_of_like_lines_far_apart_stay_columns() -> None:
    # far more than a gutter apart, but the right lines are no longer than the left ones:
    # a list in two columns, not labels and values
    # (the right ones 8% wider, as ``Right column row`` is rendered beside ``Left column line``)
    lines = [line(f"Left column line {i}", 60, 80 + 60 * i, 340) for i in range(4)]
    lines += [line(f"Right column row {i}", 760, 80 + 60 * i, 1062) for i in range(4)]
    order = texts(reading_order(lines))
    assert order == [f"Left column line {i}" for i in range(4)] + [
        f"Right column row {i}" for i in range(4)]


def test_a_spanning_figure_caption_splits_the_columns_into_bands() -> None:
    top = [line(f"a{i}", 100, 10 + 30 * i, 480) for i in range(4)]
    top += [line(f"b{i}", 520, 10 + 30 * i, 900) for i in range(4)]
    caption = [line("Figure 1: a caption across both columns", 100, 125, 900)]
    bottom = [line(f"c{i}", 100, 150 + 30 * i, 480) for i in range(4)]
    bottom += [line(f"d{i}", 520, 150 + 30 * i, 900) for i in range(4)]
    order = texts(reading_order(top + caption + bottom))
    assert order == ([f"a{i}" for i in range(4)] + [f"b{i}" for i in range(4)]
                     + ["Figure 1: a caption across both columns"]
                     + [f"c{i}" for i in range(4)] + [f"d{i}" for i in range(4)])


def test_columns_of_vertical_writing_read_right_to_left() -> None:
    columns = [LineResult(quad=rect_quad(900 - 60 * i, 50, 940 - 60 * i, 50 + 40 * n),
                          text=f"column {i}", confidence=1.0)
               for i, n in enumerate([20, 20, 20, 3])]
    assert texts(reading_order(columns[::-1])) == [f"column {i}" for i in range(4)]


def test_a_vertical_page_reads_its_title_first_and_its_page_number_last() -> None:
    columns = [LineResult(quad=rect_quad(900 - 60 * i, 150, 940 - 60 * i, 150 + 40 * 18),
                          text=f"column {i}", confidence=1.0) for i in range(6)]
    title = line("TITLE", 500, 60, 880, h=40)
    page_number = line("- 1 -", 640, 900, 700)
    order = texts(reading_order([*columns[::-1], page_number, title]))
    assert order == ["TITLE"] + [f"column {i}" for i in range(6)] + ["- 1 -"]


def test_form_labels_and_values_keep_their_rows() -> None:
    lines = []
    for i, (label, value) in enumerate([("Name:", "Jane Doe"), ("Date:", "2024-03-01"),
                                        ("Address:", "1 Main St"), ("Phone:", "555-0100"),
                                        ("Email:", "jane@example.com")]):
        lines.append(line(label, 100, 10 + 30 * i, 100 + 12 * len(label)))
        lines.append(line(value, 400, 10 + 30 * i, 400 + 12 * len(value)))
    order = texts(reading_order(lines))
    assert order[0] == "Name: | Jane Doe" and order[-1] == "Email: | jane@example.com"


def test_japanese_pages_get_japanese_forms_and_chinese_pages_are_left_alone() -> None:
    from ocr_loaders.engines.japanese import is_japanese, to_japanese
    from ocr_loaders.engines.layout import Piece

    ja = line("前年度からの增加について調查します·記入", 0, 0, 600)
    ja.words = [Piece(ja.text, 0.9, ja.quad)]
    zh = "增加调查的结果说明"
    assert is_japanese([ja.text]) and not is_japanese([zh, "中文教科书第一章"])
    to_japanese(ja)
    assert ja.text == "前年度からの増加について調査します・記入"
    assert ja.words[0].text == ja.text and len(ja.text) == 20


_rect = st.tuples(st.integers(0, 2000), st.integers(0, 3000), st.integers(5, 900),
                  st.integers(8, 60))


@settings(max_examples=300, deadline=None)
@given(st.lists(_rect, min_size=1, max_size=60))
def test_reading_order_keeps_every_line_once(rects: list[tuple[int, int, int, int]]) -> None:
    """Whatever the layout (columns, spanners, tables, overlaps), no line is lost or doubled."""
    lines = [line(f"l{i}", x, y, x + w, h) for i, (x, y, w, h) in enumerate(rects)]
    ordered = [ln.text for row in reading_order(lines) for ln in row]
    assert sorted(ordered) == sorted(ln.text for ln in lines)


def _ink_box(gray: np.ndarray) -> tuple[int, int, int, int]:
    rows = np.flatnonzero((gray < 128).any(axis=1))
    cols = np.flatnonzero((gray < 128).any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def test_word_boxes_leave_out_the_neighbouring_lines_ink() -> None:
    """A padded box of a word on closely set lines holds the descenders of the line above;
    the tightened box is the word's own ink (dots of i and j kept)."""
    from PIL import Image, ImageDraw

    from tests import docgen

    fnt = docgen.font(32, cjk=False)
    page = Image.new("L", (420, 120), 255)
    draw = ImageDraw.Draw(page)
    draw.text((20, 10), "gypsy jumping", font=fnt, fill=0)   # descenders reach down
    draw.text((20, 46), "over ice", font=fnt, fill=0)        # x-height words and dots
    gray = np.asarray(page)
    for word, x in (("over", 20), ("ice", 20 + draw.textlength("over ", font=fnt))):
        alone = Image.new("L", page.size, 255)
        ImageDraw.Draw(alone).text((x, 46), word, font=fnt, fill=0)
        x0, y0, x1, y1 = _ink_box(np.asarray(alone))
        padded = rect_quad(x0 - 4, y0 - 14, x1 + 4, y1 + 6)  # reaches into the line above
        assert (gray[y0 - 14:y0] < 128).any()  # the padding does hold the line above's ink
        tight = quad_rect(tighten_to_ink(gray, padded))
        assert tight == (x0, y0, x1, y1), (word, tight, (x0, y0, x1, y1))


def test_a_dot_at_the_image_border_stays_in_its_word() -> None:
    """Ink at a box's edge is dropped only when it goes on past the edge (a neighbour's
    descenders); a word's own dot at the top of the image is not cut from anything."""
    gray = np.full((40, 30), 255, dtype=np.uint8)
    gray[0:2, 10:14] = 0      # the dot, in the image's first rows
    gray[6:30, 8:16] = 0      # the stem
    tight = quad_rect(tighten_to_ink(gray, rect_quad(5, 0, 20, 36)))
    assert tight == (8, 0, 16, 30)
    below = np.full((60, 30), 255, dtype=np.uint8)
    below[0:14, 9:13] = 0     # a descender of the line above, going on past the box's top
    below[20:44, 8:16] = 0
    assert quad_rect(tighten_to_ink(below, rect_quad(5, 10, 20, 50))) == (8, 20, 16, 44)


def _turned(lines: list[LineResult], degrees: float) -> list[LineResult]:
    """The same lines on a page turned clockwise by ``degrees`` about (500, 400)."""
    rad = math.radians(degrees)
    cos, sin = math.cos(rad), math.sin(rad)

    def turn(x: float, y: float) -> tuple[float, float]:
        return (500 + (x - 500) * cos - (y - 400) * sin, 400 + (x - 500) * sin + (y - 400) * cos)

    return [LineResult(quad=[turn(x, y) for x, y in ln.quad], text=ln.text, confidence=1.0)
            for ln in lines]


@pytest.mark.parametrize("degrees", [-6.0, -3.0, 2.0, 4.0])
def test_a_skewed_page_reads_as_the_level_one(degrees: float) -> None:
    lines = [line("TITLE ACROSS THE GUTTER", 300, 10, 700)]
    lines += [line(f"left {i}", 100, 40 + 30 * i, 480) for i in range(8)]
    lines += [line(f"right {i}", 520, 40 + 30 * i, 900) for i in range(8)]
    lines += [line("Name:", 100, 340, 180), line("Jane Doe", 250, 340, 400),
              line("Date:", 100, 370, 170), line("2026-12-05", 250, 370, 420)]
    level = texts(reading_order(lines))
    assert "Name: | Jane Doe" in level and len(level) == 19
    skewed = _turned(lines, degrees)
    assert page_skew(skewed) == pytest.approx(degrees, abs=0.01)
    assert texts(reading_order(skewed)) == level
    # the lines handed back are the caller's own, quads unchanged
    assert {id(ln) for row in reading_order(skewed) for ln in row} == {id(ln) for ln in skewed}


def test_a_nearly_level_page_is_ordered_as_it_is() -> None:
    lines = [line(f"row {i}", 100, 40 + 30 * i, 600) for i in range(6)]
    assert page_skew(_turned(lines, 0.3)) == 0.0
    assert page_skew(lines[:2]) == 0.0  # too few long lines to tell
