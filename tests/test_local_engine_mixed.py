"""The embedded engine on pages that mix scripts: each line keeps its own.

Which lines are Japanese, Chinese or Korean is decided per line (engines/japanese.py,
engines/hangul.py). Page-wide switches lost the Korean lines of Japanese pages, read the
Chinese, Japanese and Hanja lines of Korean pages as Hangul junk, kept Korean read as doubtful
Hanja on Chinese pages, and gave the Simplified Chinese lines of Japanese pages Japanese forms.
"""

from __future__ import annotations

import itertools

from PIL import Image, ImageDraw, ImageFont

from ocr_loaders.engines.local import LocalEngine
from tests import docgen

NOTO = "/usr/share/fonts/opentype/noto/"

JAPANESE = [
    "観光案内所では無料の地図やパンフレットを配布しています",
    "お問い合わせは午前九時から午後六時まで受け付けております",
    "駅の東口を出て右に曲がると徒歩五分ほどで到着します",
    "館内での飲食および喫煙はご遠慮いただいております",
    "団体でのご利用の場合は事前にご予約をお願いいたします",
    "最新の情報は掲示板にてお知らせいたしますのでご確認ください",
    "障害のある方のための設備も整っておりますのでご安心ください",
    "営業日は月曜日から土曜日までで日曜日と祝日は休館日となります",
]
KOREAN = ["서울에 오신 것을 환영합니다", "관광 안내소는 이쪽입니다",
          "문의사항은 고객센터로 연락 주십시오", "영업시간 오전 9시부터 오후 6시까지"]
CHINESE = [
    "中华人民共和国国家统计局今天发布了最新的经济数据",
    "本公司长期提供优质的产品和服务欢迎各位新老客户",
    "请在指定时间内完成付款手续以免影响您的正常使用",
    "关于这个问题我们会尽快处理并及时向您反馈处理结果",
    "感谢您一直以来对我们工作的理解与支持祝您生活愉快",
    "如有任何疑问请联系客服中心我们将竭诚为您提供服务",
]
HANJA = ["大韓民國 法院", "原告 株式會社 大韓", "被告 金東洙"]


def _page(lines: list[str], size: int = 32, font: str = "NotoSansCJK-Regular.ttc") -> bytes:
    """A page of ``lines`` two line heights apart, as printed at about 200 DPI."""
    fnt = ImageFont.truetype(NOTO + font, size)
    img = Image.new("RGB", (1800, 80 + 2 * size * len(lines)), "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((60, 40 + 2 * size * i), line, font=fnt, fill="black")
    return docgen.image_bytes(img, "PNG")


def _missing(text: str, lines: list[str]) -> list[str]:
    """The ``lines`` not read exactly (spaces aside) as one of the page's lines."""
    read = {"".join(line.split()) for line in text.split("\n")}
    return [line for line in lines if "".join(line.split()) not in read]


def test_japanese_page_keeps_its_korean_lines(engine: LocalEngine) -> None:
    """A tourist leaflet: eight Japanese lines, two shorter Korean ones (too few for a Korean
    page). On a Japanese page a line's own kana make it Japanese; the Korean lines, which
    PP-OCRv6 reads as nothing, go to Tesseract (a page-wide skip on pages with 10 kana lost
    them)."""
    lines = JAPANESE[:4] + KOREAN[:2] + JAPANESE[4:]
    text = engine.recognize(_page(lines)).text
    assert not _missing(text, KOREAN[:2]), text
    assert docgen.cer(text, "\n".join(lines)) < 0.03, text


def test_korean_page_keeps_its_japanese_chinese_and_hanja_lines(engine: LocalEngine) -> None:
    """Pages with enough Korean lines are read by Tesseract first; its readings of the other
    lines (Hangul junk at 0.1-0.46: ``中华人民共和国...`` -> ``머수ㅅ보끄체퇴최...``) are not
    credible, and PP-OCRv6's readings stay."""
    for others in (JAPANESE[:4], CHINESE[:4], HANJA):
        lines = [line for pair in zip(others, KOREAN) for line in pair]
        text = engine.recognize(_page(lines)).text
        assert not _missing(text, lines), text


def test_korean_read_as_doubtful_hanja_on_a_chinese_page(engine: LocalEngine) -> None:
    """``Seoul 서울특별시 甲 乙``: PP-OCRv6 writes ``Seoul喜豊川甲乙`` (喜 at 0.20, the line at
    0.82). Doubtful ideographs are a sign on every page, not only on pages with ideographs in
    at most a fifth of their lines: here the line is read by Tesseract."""
    lines = [*CHINESE[:4], "Seoul 서울특별시 甲 乙", *CHINESE[4:]]
    text = engine.recognize(_page(lines, size=40)).text
    assert "Seoul 서울특별시 甲" in text, text
    assert not _missing(text, CHINESE), text


def test_chinese_lines_on_a_japanese_page_keep_their_forms(engine: LocalEngine) -> None:
    """A trilingual invoice: Japanese forms go only to the lines that are not Simplified
    Chinese (发票 stayed 発票, 增值税 became 増值税)."""
    chinese = ["增值税专用发票", "发票号码 12345678 开票日期 2024年3月1日"]
    lines = [*JAPANESE[:3], *chinese, "Invoice No. 12345678", *JAPANESE[3:]]
    text = engine.recognize(_page(lines)).text
    assert not _missing(text, chinese), text
    assert "発" not in text and "増" not in text, text
    assert not _missing(text, JAPANESE), text


def test_korean_names_in_brackets_on_an_english_page(engine: LocalEngine) -> None:
    """PP-OCRv6 wrote a Korean name in brackets as two letters or two ideographs, sure of
    them (``(박대니얼)`` -> ``(HL)``, ``(김수진)`` -> ``(召个)``, 0.99-1.0): neither a low
    score nor a wide enough hole sent the line to Tesseract."""
    lines = ["Visitor Registration - Seoul Office",
             "Please present this confirmation at the front desk on arrival.",
             "Visitor: Daniel Park (박대니얼), Acme Robotics Inc.",
             "Host: Kim Soo-jin (김수진), Partnerships Team",
             "Date: Thursday, May 16, 2024, 14:00-16:30"]
    text = engine.recognize(_page(lines, size=22)).text
    assert not _missing(text, lines), text
    # at 30 px (a review's rendering, NotoSansCJK KR): ``kor+eng`` read the name as one
    # piece ``(#fCHL|&)`` of two look-alike runs, each read again with ``kor`` and put in
    # (``(박대니얼)HL박대니얼))``), and PP-OCRv6's re-read ``Min-ho (`` doubled a bracket
    fnt = ImageFont.truetype(NOTO + "NotoSansCJK-Regular.ttc", 30, index=1)
    img = Image.new("RGB", (1500, 380), "white")
    draw = ImageDraw.Draw(img)
    names = ["Our manager Daniel Park (박대니얼) will reply within two days.",
             "Please call Lee Min-ho (이민호) or Choi Ji-woo (최지우) before noon.",
             "Signed by the director Jung Hae-in (정해인) on behalf of the board.",
             "Sales of 咖啡 rose sharply in the northern region last year.",
             "The shipment (货物) arrived at the port of Busan on Monday."]
    for i, name in enumerate(names):
        draw.text((60, 40 + 60 * i), name, font=fnt, fill="black")
    text = engine.recognize(docgen.image_bytes(img, "PNG")).text
    assert not _missing(text, names), text


def test_korean_labels_on_an_english_form(engine: LocalEngine) -> None:
    """An English form with a few Korean labels (too few for a Korean page). PP-OCRv6 dropped
    ``신청서`` at the start of ``신청서 (Application Form)`` (no hole between pieces: the
    dropped text was before the first one) and wrote ``이메일:`` as ``0|:`` (a hole of 1.3 line
    heights beside a piece it doubts; Tesseract's reading, the same but for the Hangul, was
    refused for being hardly longer)."""
    korean = ["신청서 (Application Form)", "이메일: user@example.com", "문의: 02-1234-5678"]
    english = ["Name: John Smith", "Date of birth: 1990-01-01",
               "Address: 12 Main Street, Springfield", "Please return this form by March 31."]
    lines = [korean[0], *english[:2], korean[1], english[2], korean[2], english[3]]
    text = engine.recognize(_page(lines)).text
    assert not _missing(text, lines), text


def test_hangul_for_junk() -> None:
    from ocr_loaders.engines.hangul import hangul_for_junk

    assert hangul_for_junk("0|:user@example.com", "이메일:user@example.com")
    assert hangul_for_junk("(ApplicationForm)", "신청서(ApplicationForm)")  # nothing there
    # a Latin word Tesseract turned into fewer Hangul columns, or a difference elsewhere
    assert not hangul_for_junk("Form:12", "폼:12")
    assert not hangul_for_junk("0|:user@example.com", "이메일:user@exarnple.com")
    assert not hangul_for_junk("12", "이메일")  # nothing in common


def test_unread_ink_inside_a_word() -> None:
    """A hole of 0.6 line heights between pieces the text joins, one of them doubted, is
    text PP-OCRv6 did not read; a space in the text, full-width punctuation (its glyph sits at
    one side of its cell) or two confident pieces are not."""
    from ocr_loaders.engines.hangul import needs_rereading
    from ocr_loaders.engines.layout import LineResult, Piece, rect_quad

    def line(text: str, *pieces: tuple[str, float, int, int]) -> LineResult:
        return LineResult(quad=rect_quad(0, 0, 400, 40), text=text, confidence=0.95,
                          pieces=[Piece(t, c, rect_quad(x0, 0, x1, 40)) for t, c, x0, x1 in pieces])

    tail = ("user@example.com", 1.0, 110, 400)
    assert needs_rereading(line("0|:user@example.com", ("0|", 0.6, 0, 29), (":", 0.8, 78, 94),
                                tail), 400, 40, 0.5)
    assert not needs_rereading(line("Xy :user@example.com", ("Xy", 0.6, 0, 29),
                                    (":", 0.8, 78, 94), tail), 400, 40, 0.5)
    assert not needs_rereading(line("Xy:user@example.com", ("Xy", 0.95, 0, 29),
                                    (":", 0.95, 78, 94), tail), 400, 40, 0.5)
    # a piece set apart on both sides inside a word, however sure: ``(박대니얼)`` -> ``(HL)``
    assert needs_rereading(line("Park (HL), Inc.", ("Park", 1.0, 0, 60), ("(", 1.0, 70, 80),
                                ("HL", 1.0, 115, 147), ("),", 1.0, 176, 200),
                                ("Inc.", 1.0, 210, 390)), 400, 40, 0.5)
    assert not needs_rereading(line("Park (HL), Inc.", ("Park", 1.0, 0, 60),
                                    ("(", 1.0, 70, 80), ("HL", 1.0, 81, 113),
                                    ("),", 1.0, 142, 166), ("Inc.", 1.0, 176, 390)),
                               400, 40, 0.5)
    # PP-OCRv6's word for 이 (ㅇ beside ㅣ), sure of it and with no hole wide enough: a sign
    # of its own (``Email: 이메일 hong@...`` -> ``Email: o| hong@...`` at 1.0)
    for word in ("o|", "0|", "O|:"):
        assert needs_rereading(line(f"Email: {word} {tail[0]}", ("Email:", 1.0, 0, 60),
                                    (word, 1.0, 66, 90), tail), 400, 40, 0.5)
    assert not needs_rereading(line("偏好（参考文献中的说明", ("好", 1.0, 0, 40),
                                    ("（", 0.75, 68, 80), ("参考文献中的说明", 1.0, 82, 400)),
                               400, 40, 0.5)


MIXED_LINES = ["Contact: 홍길동 (Hong Gil-dong)", "Total: ₩15,000 (부가세 포함)",
               "Download the PDF 파일 from our website"]


def test_lines_mixing_korean_and_english(engine: LocalEngine) -> None:
    """Lines with Korean and English words, on an English page and on a page with enough
    Korean lines to be read as Korean. PP-OCRv6 has no Hangul (``Contact: 喜 (Hong
    Gil-dong)``), Tesseract ``kor`` has no Latin (``001018대: 홍길동 (1008 11-00108)``,
    ``PDF`` -> ``『마``) and even ``kor+eng`` misreads some (``Hong`` -> ``1008``, ``₩`` ->
    ``¥``): each line is PP-OCRv6's reading with Tesseract's Hangul spliced in."""
    english = ["Case summary prepared for the client meeting",
               "The hearing is scheduled for next month and all parties attend",
               "Please bring the original documents and two copies of each",
               "The office is closed on public holidays and weekends"]
    korean = ["사건 2019가합12345 손해배상", "주소: 서울특별시 강남구 테헤란로 123"]
    english_page = [english[0], MIXED_LINES[0], english[1], MIXED_LINES[1], english[2],
                    MIXED_LINES[2], english[3]]
    korean_page = [english[0], korean[0], MIXED_LINES[0], english[1], korean[1],
                   MIXED_LINES[1], english[2], MIXED_LINES[2]]
    # at 46 px (30 px type at 300 DPI) PP-OCRv6 reads 홍길동 as 喜 at 0.94, with no hole
    for lines, size in ((english_page, 32), (korean_page, 32), (english_page, 46)):
        text = engine.recognize(_page(lines, size=size)).text
        wanted = [MIXED_LINES[0], MIXED_LINES[2], *(k for k in korean if k in lines)]
        assert not _missing(text, wanted + [e for e in english if e in lines]), text
        # the won sign, which both readers write as W (PP-OCRv6 drops the space before it)
        assert "₩15,000 (부가세 포함)" in text, text


def test_mixed_lines_on_an_english_page_at_larger_sizes(engine: LocalEngine) -> None:
    """Korean words in English lines at 30-60 px type. PP-OCRv6 wrote ``이메일`` as ``o|`` at
    1.0 (the rest unread, the hole under the sign's width); Tesseract ``kor+eng`` read
    ``(Hong`` as ``1008`` and ``Total:`` as ``70【31:``: its Latin runs are read again by
    PP-OCRv6 (``latin.restore_latin``) on every page now, without doubling a sign the crop
    reached (``Gil--dong``)."""
    english = ["This agreement is made between the parties below.",
               "Please read all terms carefully before signing."]
    lines = [english[0], "Email: 이메일 hong@example.com", *MIXED_LINES[:2], english[1]]
    for size in (30, 45, 60):
        text = engine.recognize(_page(lines, size=size)).text
        assert not _missing(text, lines), (size, text)


def test_restored_latin_does_not_repeat_the_signs_around_it() -> None:
    from ocr_loaders.engines.latin import _without_overlap

    assert _without_overlap("Hong Gil-", "(", "-dong)") == "Hong Gil"
    assert _without_overlap("(Hong", "Contact: 홍길동 (", " Gil") == "Hong"
    assert _without_overlap("x).", "", ")." ) == "x"
    assert _without_overlap("Gil-", "", " -dong") == "Gil-"  # a space between: its own
    assert _without_overlap("--", "-", "-") == "--"  # never all of it


def test_restored_latin_keeps_the_bracket_its_crop_missed() -> None:
    # ``만원(₩15,000,000)은``: Tesseract ``(#15,000,000)``, PP-OCRv6 ``₩15,000,000)``
    from ocr_loaders.engines.latin import with_brackets

    assert with_brackets("₩15,000,000)", "(#15,000,000)") == "(₩15,000,000)"
    assert with_brackets("₩15,000,000", "(#15,000,000)") == "(₩15,000,000)"
    assert with_brackets("(₩15,000,000)", "(#15,000,000)") == "(₩15,000,000)"
    assert with_brackets("USB", "450") == "USB" and with_brackets("", "(") == ""


def test_restored_latin_keeps_the_colon_its_crop_missed() -> None:
    # ``소비자 가격: ₩459,000``: Tesseract ``가격:\#\459,000`` (the colon in the run),
    # PP-OCRv6 ``₩459,000``: the line read ``가격₩459,000``
    from ocr_loaders.engines.latin import _with_colon

    assert _with_colon("₩459,000", ":\\#\\459,000", "소비자 가격") == ": ₩459,000"
    assert _with_colon(":₩459,000", ":\\#\\459,000", "가격") == ":₩459,000"
    assert _with_colon("30", ":30", "10") == "30"  # not after a label's syllable
    assert _with_colon("USB", "USB", "가격") == "USB"


def test_splice_hangul() -> None:
    from ocr_loaders.engines.layout import LineResult, Piece, merge_pieces, quad_rect, rect_quad
    from ocr_loaders.engines.mixedlines import splice_hangul

    def line(words: list[tuple[str, float, int, int]]) -> tuple[LineResult, list[Piece]]:
        pieces = [Piece(t, c, rect_quad(x0, 0, x1, 40)) for t, c, x0, x1 in words]
        text = " ".join(t for t, *_ in words)
        return LineResult(quad=rect_quad(0, 0, 600, 40), text=text, confidence=0.95,
                          words=merge_pieces(text, pieces), pieces=pieces), pieces

    pp, _ = line([("Contact:", 1.0, 0, 140), ("喜", 0.7, 160, 190), ("(Hong", 1.0, 300, 390),
                  ("Gil-dong)", 1.0, 400, 560)])
    tess = line([("Contact:", 0.8, 0, 140), ("홍길동", 0.9, 160, 280), ("(1008", 0.3, 300, 390),
                 ("Gil-dong)", 0.7, 400, 560)])
    spliced = splice_hangul(pp, tess)
    assert spliced is not None
    assert spliced[0].text == "Contact: 홍길동 (Hong Gil-dong)"
    assert [w.text for w in spliced[0].words] == ["Contact:", "홍길동", "(Hong", "Gil-dong)"]
    assert quad_rect(spliced[0].words[1].quad) == (160, 0, 280, 40)  # Tesseract's box
    # Hangul Tesseract doubts, or no Hangul where PP-OCRv6 read less: nothing to splice
    doubted = line([("Contact:", 0.8, 0, 140), ("홍길동", 0.3, 160, 280),
                    ("(Hong", 0.9, 300, 390), ("Gil-dong)", 0.7, 400, 560)])
    assert splice_hangul(pp, doubted) is None
    same = line([("Contact:", 0.8, 0, 140), ("喜", 0.9, 160, 190), ("(Hong", 0.9, 300, 390),
                 ("Gil-dong)", 0.7, 400, 560)])
    assert splice_hangul(pp, same) is None


def test_splice_ideographs() -> None:
    """Tesseract ``kor`` wrote a date's Hanja units as Hangul and digits; PP-OCRv6's sure
    Han characters go in, one for one, keeping Tesseract's spaces and boxes."""
    from ocr_loaders.engines.layout import LineResult, Piece, merge_pieces, quad_rect, rect_quad
    from ocr_loaders.engines.mixedlines import splice_ideographs

    def line(words: list[tuple[str, float, int, int]]) -> tuple[LineResult, list[Piece]]:
        pieces = [Piece(t, c, rect_quad(x0, 0, x1, 40)) for t, c, x0, x1 in words]
        text = " ".join(t for t, *_ in words)
        return LineResult(quad=rect_quad(0, 0, 600, 40), text=text, confidence=0.9,
                          words=merge_pieces(text, pieces), pieces=pieces), pieces

    tess = line([("서기", 0.93, 0, 80), ("2024주", 0.9, 100, 250), ("33", 0.8, 270, 330),
                 ("18", 0.6, 350, 410)])
    for score, expected in ((1.0, "서기 2024年 3月 1日"), (0.98, "서기 2024주 3月 1日")):
        pp, _ = line([("2024年3月1日", score, 100, 410)])
        text, pieces = splice_ideographs(pp, tess)
        assert text.text == expected  # over a Hangul syllable only at 0.99 or more
        assert [p.text for p in pieces] == expected.split()
        assert [quad_rect(w.quad) for w in text.words] == [quad_rect(p.quad) for p in tess[1]]
    # a Han character Tesseract left out after one both read goes in with it
    text, pieces = splice_ideographs(line([("2024年3月", 0.9, 100, 300)])[0],
                                     line([("2024", 0.9, 100, 200), ("3月", 0.8, 220, 300)]))
    assert text.text == "2024年 3月" and [p.text for p in pieces] == ["2024年", "3月"]
    # more signs than Han characters (``393`` for ``3月``): replaced in one piece, none
    # of Hangul, and only where PP-OCRv6 is sure
    more = line([("서기", 0.93, 0, 80), ("2024", 0.75, 100, 230), ("393", 0.6, 250, 330),
                 ("18", 0.78, 350, 410)])
    for score, expected in ((0.865, "서기 2024年 3月 1日"), (0.8, "서기 2024年 393 1日")):
        pp = line([("2024年3", 1.0, 100, 280), ("月", score, 280, 330), ("1日", 1.0, 350, 410)])
        text, pieces = splice_ideographs(pp[0], more)
        assert text.text == expected and [p.text for p in pieces] == expected.split()
    hangul_more = line([("서기", 0.93, 0, 80), ("2024年", 0.75, 100, 230),
                        ("3달9", 0.6, 250, 330), ("1日", 0.78, 350, 410)])
    pp = line([("2024年3月1日", 1.0, 100, 410)])[0]
    assert splice_ideographs(pp, hangul_more)[0].text == "서기 2024年 3달9 1日"
    # no Han characters, or readings that hardly agree: Tesseract's reading as it is
    assert splice_ideographs(line([("2024 3 1", 1.0, 100, 410)])[0], tess) is tess
    assert splice_ideographs(line([("中华人民共和国", 1.0, 0, 410)])[0], tess) is tess


def test_splice_ideographs_by_position() -> None:
    """PP-OCRv6 read only the Hanja of a Korean line (``甲乙`` for ``甲 은행과 乙 회사``):
    its sure Han characters replace the one-character pieces under them that are no sure
    Hangul; Hangul Tesseract is sure of, and longer pieces, stay."""
    from ocr_loaders.engines.layout import LineResult, Piece, merge_pieces, quad_rect, rect_quad
    from ocr_loaders.engines.mixedlines import splice_ideographs

    def line(words: list[tuple[str, float, int, int]], sep: str = " "
             ) -> tuple[LineResult, list[Piece]]:
        pieces = [Piece(t, c, rect_quad(x0, 0, x1, 40)) for t, c, x0, x1 in words]
        text = sep.join(t for t, *_ in words)
        return LineResult(quad=rect_quad(0, 0, 600, 40), text=text, confidence=0.9,
                          words=merge_pieces(text, pieces), pieces=pieces), pieces

    tess = line([("뿌", 0.55, 0, 40), ("은행과", 0.92, 60, 180), ("ㅇ", 0.31, 200, 240),
                 ("회사", 0.97, 260, 340)])
    pp = line([("甲", 0.985, 0, 40), ("乙", 0.998, 200, 240)], sep="")[0]
    text, pieces = splice_ideographs(pp, tess)
    assert text.text == "뿌 은행과 乙 회사"  # 뿌 (a syllable) only at 0.99 or more
    assert [quad_rect(p.quad) for p in pieces] == [quad_rect(p.quad) for p in tess[1]]
    pp = line([("甲", 0.995, 0, 40), ("乙", 0.998, 200, 240)], sep="")[0]
    assert splice_ideographs(pp, tess)[0].text == "甲 은행과 乙 회사"
    sure = line([("뿌", 0.95, 0, 40), ("은행과", 0.92, 60, 180), ("ㅇㅇ", 0.31, 200, 240),
                 ("회사", 0.97, 260, 340)])
    assert splice_ideographs(pp, sure) is sure


def test_hanja_dates_in_korean_lines(engine: LocalEngine) -> None:
    """``서기 2024年 3月 1日`` read ``서기 2024주 33 18`` (Tesseract) on a Korean page and on an
    English one."""
    for first in ("계약서", "Contract date"):
        page = engine.recognize_image(docgen.render_lines([first, "서기 2024年 3月 1日"], size=30))
        assert page.text.split("\n")[1] == "서기 2024年 3月 1日", page.text


def test_won_signs_in_korean_lines(engine: LocalEngine) -> None:
    """``Total: ₩15,000 (부가세 포함)`` alone on a page, at three sizes: PP-OCRv6 read the
    Hangul as Chinese it doubted (``(早7川 王宫)``, not re-read), Tesseract wrote the won
    sign as ``¥``, ``\\`` or nothing."""
    for size in (30, 45, 60):
        image = docgen.render_lines(["Total: ₩15,000 (부가세 포함)"], size=size)
        assert engine.recognize_image(image).text == "Total: ₩15,000 (부가세 포함)", size


def test_lone_ideographs_in_a_latin_line_ask_for_rereading() -> None:
    """PP-OCRv6 writes a short Korean word as one ideograph it is sure of (``Contact:
    홍길동`` -> ``Contact:喜``, 0.94) with no hole wide enough to tell: a lone ideograph
    among Latin words is a sign. Chinese lines, and Latin lines with a Chinese word, are
    not."""
    from ocr_loaders.engines.hangul import _lone_ideographs

    assert _lone_ideographs("Contact:喜(Hong Gil-dong)")
    assert _lone_ideographs("Total: W15,000 (早 parts) and more words")
    assert not _lone_ideographs("i = m − 1 时 j 仅可以取 m 共 1 个值")
    assert not _lone_ideographs("Invoice 发票 number 12345678 issued")  # a word of two
    # ...but a short run alone in brackets after a romanised name is one (김수진 -> 召个)
    assert _lone_ideographs("Host: Kim Soo-jin (召个), Partnerships Team")
    assert not _lone_ideographs("Host: Kim Soo-jin (召个人员), Partnerships Team")
    assert not _lone_ideographs("No. 喜")  # too few letters to say


def test_large_korean_type_is_read_at_a_size_tesseract_reads_well(engine: LocalEngine) -> None:
    """Tesseract loses large type (``서울 지점 매출`` in a crop 93 px high read ``서울 지점
    WS``; a picture scaled up on a slide): tall line crops are scaled down before it reads
    them, and the boxes still land on the words."""
    small = docgen.render_lines(["Revenue grew 12%", "서울 지점 매출"], size=40, width=800)
    for width in (1500, 2400):
        page = engine.recognize_image(small.resize((width, round(small.height * width / 800))))
        assert page.text == "Revenue grew 12%\n서울 지점 매출", (width, page.text)
        scale = width / 800
        sales = page.words[-1].bounding_box.rect()  # 매출 starts at about 220 px of 800
        assert abs(sales[0] / scale - 222) < 12 and abs(sales[2] / scale - 290) < 12, sales


def test_won_sign_in_korean_page_cells() -> None:
    """On a Korean page, the lines PP-OCRv6 reads (an amount alone in a table cell) have no
    ``₩``: a ``W`` or ``N`` before an amount is the won sign, other W's stay."""
    from ocr_loaders.engines.layout import LineResult, Piece, merge_pieces, rect_quad
    from ocr_loaders.engines.mixedlines import won_cells

    def line(*words: str) -> LineResult:
        pieces = [Piece(w, 0.99, rect_quad(100 * k, 0, 100 * k + 90, 40))
                  for k, w in enumerate(words)]
        text = " ".join(words)
        return LineResult(quad=rect_quad(0, 0, 100 * len(words), 40), text=text,
                          confidence=0.99, words=merge_pieces(text, pieces), pieces=pieces)

    fixed = won_cells(line("W5,766,750"))
    assert fixed.text == "₩5,766,750" and [w.text for w in fixed.words] == ["₩5,766,750"]
    assert won_cells(line("N15,000", "VAT")).text == "₩15,000 VAT"
    kept = line("W3C", "Windows", "10")
    assert won_cells(kept) is kept


def test_korean_light_on_dark(engine: LocalEngine) -> None:
    """White Hangul on a dark page (a dark-mode screenshot), a blue banner heading and a
    yellow-on-black table row on a white page: Tesseract reads dark ink on light paper only,
    so such line crops are inverted first (the banner heading was lost, the dark page read
    ``1406 증가한 2소 2 .``)."""
    fnt = ImageFont.truetype(NOTO + "NotoSansCJK-Regular.ttc", 30)
    dark = Image.new("RGB", (1200, 260), (30, 30, 30))
    draw = ImageDraw.Draw(dark)
    for i, line in enumerate(KOREAN[:3]):
        draw.text((40, 30 + 70 * i), line, font=fnt, fill=(235, 235, 235))
    page = engine.recognize_image(dark)
    assert not _missing(page.text, KOREAN[:3]), page.text

    paper = Image.new("RGB", (1200, 420), "white")
    draw = ImageDraw.Draw(paper)
    draw.rectangle((0, 20, 1200, 90), fill=(20, 60, 140))
    draw.text((40, 35), "제2장 사업 현황 및 향후 계획", font=fnt, fill="white")
    for i, line in enumerate(KOREAN[1:3]):
        draw.text((40, 130 + 60 * i), line, font=fnt, fill="black")
    draw.rectangle((30, 260, 1170, 320), fill="black")
    draw.text((50, 270), KOREAN[3], font=fnt, fill=(255, 255, 0))
    page = engine.recognize_image(paper)
    lines = ["제2장 사업 현황 및 향후 계획", *KOREAN[1:4]]
    assert not _missing(page.text, lines), page.text


def _receipt(lines: list[str], *, size: int, width: int, step: int, top: int) -> Image.Image:
    """Receipt-like lines in black on white, ``step`` px apart, with ``top`` px of margin above
    and below."""
    fnt = ImageFont.truetype(NOTO + "NotoSansCJK-Regular.ttc", size)
    img = Image.new("RGB", (width, 2 * top + step * len(lines)), "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((30, top + step * i), line, font=fnt, fill="black")
    return img


def test_units_after_numbers_on_korean_lines(engine: LocalEngine) -> None:
    """A receipt's units (``1L``, ``2L``, ``500ml``, ``3kg``): Tesseract ``kor`` wrote
    ``1Ｌ2개`` and ``21 6병``; PP-OCRv6 reads those cut-short crops right at 0.87-0.88, under
    the 0.9 it needs in general but above Tesseract's own confidence there."""
    lines = ["우유 1L 2개 5,400원", "생수 2L 6병 4,800원", "주스 500ml 1병 2,100원",
             "서울 지점 매출 보고서", "세제 3kg 1개 12,900원"]
    page = engine.recognize_image(_receipt(lines, size=26, width=800, step=56, top=30))
    assert page.text.split("\n") == lines, page.text


def test_korean_table_with_thick_rules_is_not_inverted(engine: LocalEngine) -> None:
    """Each cell's crop takes in the 6 px rules above and below it: its edges are mostly
    black, yet its ink is the black text (inverting such cells read ``37H`` for ``3개``)."""
    fnt = ImageFont.truetype(NOTO + "NotoSansCJK-Regular.ttc", 26)
    rows = [["사과 상자", "3개", "합계"], ["배 선물 세트", "2개", "없음"],
            ["포도 송이", "10개", "완료"]]
    img = Image.new("RGB", (1200, 200), "white")
    draw = ImageDraw.Draw(img)
    xs, top, height = [40, 420, 720, 1100], 40, 38
    for r, row in enumerate(rows):
        for x, text in zip(xs, row):
            draw.text((x + 14, top + r * height - 1), text, font=fnt, fill="black")
    for k in range(len(rows) + 1):
        draw.rectangle([40, top + k * height - 3, 1100, top + k * height + 3], fill="black")
    for x in xs:
        draw.rectangle([x - 3, top - 3, x + 3, top + height * len(rows) + 3], fill="black")
    page = engine.recognize_image(img)
    assert not _missing(page.text, [" ".join(row) for row in rows]), page.text


def test_counts_after_units_on_korean_lines(engine: LocalEngine) -> None:
    """The count between a unit and its measure word (``2L 6병``, ``XL 1벌``, ``AA 4개``):
    Tesseract's box for ``2Ｌ6`` ends before the ``6`` (its ``병`` box covers it), so the
    run's re-read crop showed ``2L`` alone and the count was lost (``2L병``). A brand before a
    word (``LG전자``, which Tesseract reads ``L6전자``) gains nothing."""
    lines = ["용량 2L 6병 세트", "주스 1.5L 4병", "사이즈 XL 1벌", "배터리 AA 4개",
             "LG전자 신제품 출시", "서울 지점 매출 보고서"]
    page = engine.recognize_image(_receipt(lines, size=30, width=700, step=60, top=20))
    assert page.text.split("\n") == lines, page.text


def test_watts_are_no_won_sign() -> None:
    """``W`` after a digit is a unit (``65W``), not the won sign ``W`` stands for before an
    amount (``65W 1`` came out ``65₩ 1``)."""
    from ocr_loaders.engines.latin import WON

    assert WON.sub("₩", "65W 1") == "65W 1"
    assert WON.sub("₩", "10W 3") == "10W 3"
    assert WON.sub("₩", "W15,000") == "₩15,000"
    assert WON.sub("₩", "W 300") == "₩ 300"


def test_page_words_spell_the_page_text() -> None:
    """Where a line's text was rewritten and its pieces disagree (``합계 ₩12,500 x 4``: one
    reader's ``₩12,500`` and the other's ``1 2 , 5 0 0`` both kept), the page's words read
    ``합계₩12,50012`` and ``,500x4=W50,000`` under the text ``합계₩12,500 x 4=₩50,000``."""
    from ocr_loaders.engines.layout import (
        LineResult,
        Piece,
        merge_pieces,
        quad_rect,
        rect_quad,
        without_nested,
        words_of_text,
    )

    def piece(text: str, x0: float, x1: float, conf: float = 0.9) -> Piece:
        return Piece(text, conf, rect_quad(x0, 0, x1, 30))

    pieces = [piece("합", 483, 535), piece("계", 526, 550), piece("₩12,500", 543, 651)]
    dupes = [piece(c, x, x + 15) for c, x in zip("12,500", (563, 577, 592, 606, 620, 641))]
    rest = [piece("x", 662, 679), piece("4=₩50,000", 684, 836)]
    assert without_nested(pieces + dupes + rest) == pieces + rest  # 계 overlaps 합: kept
    text = "합계₩12,500 x 4=₩50,000"
    bad = LineResult(quad=rect_quad(480, 0, 840, 30), text=text, confidence=0.8,
                     words=merge_pieces(text, pieces + dupes + rest))
    assert [w.text for w in bad.words] != text.split()
    words = words_of_text(bad)
    assert [w.text for w in words] == text.split()
    rects = [quad_rect(w.quad) for w in words]
    assert all(a[2] <= b[0] for a, b in itertools.pairwise(rects))  # in order, apart
    assert rects[0][0] == 483 and rects[-1][2] == 836
    good = LineResult(quad=bad.quad, text=text, confidence=0.8,
                      words=merge_pieces(text, pieces + rest))
    assert words_of_text(good) is good.words
    # a token with no word at all gets the gap between its neighbours
    gap = LineResult(quad=bad.quad, text="a b c", confidence=0.7,
                     words=[piece("a", 480, 500), piece("c", 600, 620)])
    (_, b, _) = words_of_text(gap)
    assert b.text == "b" and quad_rect(b.quad)[::2] == (500, 600) and b.confidence == 0.7
