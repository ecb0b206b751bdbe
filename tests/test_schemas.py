"""CLOVA V2 and Google Vision converters: structure, line breaks, languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocr_loaders import schemas
from ocr_loaders.models import BoundingBox, OCRResult, Page, Word

FIXTURE = Path(__file__).parent / "fixtures" / "hello_response.json"


def _page(lines: list[str], page_id: int = 0, y0: int = 10, gap: int = 10) -> Page:
    """A synthetic page: one 20 px high row per line, words 40 px apart."""
    words = []
    for li, line in enumerate(lines):
        y = y0 + li * (20 + gap)
        for k, token in enumerate(line.split()):
            box = BoundingBox.from_rect(10 + 40 * k, y, 40 + 40 * k, y + 20)
            words.append(Word(bounding_box=box, confidence=0.9, id=len(words), text=token))
    return Page(confidence=0.9, height=400, id=page_id, text="\n".join(lines), width=300,
                words=words)


@pytest.fixture()
def two_pages() -> OCRResult:
    return OCRResult.from_pages(
        [_page(["Hello big world", "second line"]), _page(["대한민국 법원"], page_id=1)],
        model_version="m", page_numbers=[2, 5],
    )


def test_convert_dispatch_and_unknown(two_pages: OCRResult) -> None:
    assert schemas.convert(two_pages, "upstage") == two_pages.to_api_dict()
    assert schemas.convert(two_pages, "CLOVA")["version"] == "V2"
    assert "responses" in schemas.convert(two_pages, "google")
    with pytest.raises(ValueError, match="unknown schema"):
        schemas.convert(two_pages, "azure")


def test_clova_structure_and_line_breaks(two_pages: OCRResult) -> None:
    out = schemas.to_clova(two_pages)
    json.dumps(out)  # JSON-serialisable
    assert out["version"] == "V2"
    assert isinstance(out["requestId"], str) and isinstance(out["timestamp"], int)
    assert len(out["images"]) == 2
    first, second = out["images"]
    assert first["inferResult"] == first["message"] == "SUCCESS"
    assert first["validationResult"] == {"result": "NO_REQUESTED"}  # as CLOVA sends it
    assert first["convertedImageInfo"] == {"width": 300, "height": 400, "pageIndex": 1}
    assert second["convertedImageInfo"]["pageIndex"] == 4
    texts = [f["inferText"] for f in first["fields"]]
    assert texts == ["Hello", "big", "world", "second", "line"]
    assert [f["lineBreak"] for f in first["fields"]] == [False, False, True, False, True]
    for field in first["fields"]:
        assert set(field) == {"valueType", "boundingPoly", "inferText", "inferConfidence",
                              "type", "lineBreak"}
        assert field["valueType"] == "ALL" and field["type"] == "NORMAL"
        verts = field["boundingPoly"]["vertices"]
        assert len(verts) == 4 and all(isinstance(v["x"], float) for v in verts)
    assert [f["lineBreak"] for f in second["fields"]] == [False, True]


def test_clova_on_documented_response() -> None:
    result = OCRResult.from_json(FIXTURE.read_text())
    fields = schemas.to_clova(result)["images"][0]["fields"]
    assert [f["inferText"] for f in fields] == [w.text for w in result.pages[0].words]
    breaks = [f["inferText"] for f in fields if f["lineBreak"]]
    assert breaks == ["words", "world"]  # "Print the words \nhello, world"


def test_google_structure(two_pages: OCRResult) -> None:
    out = schemas.to_google(two_pages)
    json.dumps(out)
    assert len(out["responses"]) == 2
    first, second = out["responses"]
    assert first["context"] == {"pageNumber": 2}
    assert second["context"] == {"pageNumber": 5}
    ann = first["textAnnotations"]
    assert ann[0]["locale"] == "en"
    assert ann[0]["description"] == "Hello big world\nsecond line\n"
    assert [a["description"] for a in ann[1:]] == ["Hello", "big", "world", "second", "line"]
    assert ann[0]["boundingPoly"]["vertices"][0] == {"x": 10, "y": 10}
    full = first["fullTextAnnotation"]
    assert full["text"] == ann[0]["description"]
    (gpage,) = full["pages"]
    assert gpage["width"] == 300 and gpage["height"] == 400
    assert gpage["property"]["detectedLanguages"][0]["languageCode"] == "en"
    words = [w for b in gpage["blocks"] for p in b["paragraphs"] for w in p["words"]]
    assert ["".join(s["text"] for s in w["symbols"]) for w in words] == [
        "Hello", "big", "world", "second", "line"]
    breaks = [w["symbols"][-1]["property"]["detectedBreak"]["type"] for w in words]
    # the two lines are 10 px apart (half a line height): one paragraph
    assert breaks == ["SPACE", "SPACE", "EOL_SURE_SPACE", "SPACE", "LINE_BREAK"]
    for w in words:
        assert all("property" not in s for s in w["symbols"][:-1])
        assert all(len(s["boundingBox"]["vertices"]) == 4 for s in w["symbols"])
    assert second["textAnnotations"][0]["locale"] == "ko"


def test_google_paragraph_split_on_large_gap() -> None:
    result = OCRResult.from_pages([_page(["one two", "three"], gap=60)], model_version="m")
    blocks = schemas.to_google(result)["responses"][0]["fullTextAnnotation"]["pages"][0]["blocks"]
    assert len(blocks) == 2
    last = [b["paragraphs"][0]["words"][-1]["symbols"][-1] for b in blocks]
    assert [s["property"]["detectedBreak"]["type"] for s in last] == ["LINE_BREAK"] * 2


@pytest.mark.parametrize(
    ("text", "lang"),
    [("hello", "en"), ("대한민국", "ko"), ("日本語のテキスト", "ja"), ("中文教科书", "zh"),
     ("大韓民國 법원", "ko"), ("", "en"), ("12,000", "en"),
     ("신청서 (Application Form) Name: John Smith", "en"), ("원고 株式會社 大韓 Ltd.", "ko")],
)
def test_detect_language(text: str, lang: str) -> None:
    assert schemas.detect_language(text) == lang


def test_detected_languages_are_shares_of_the_page() -> None:
    """A page of English with one Korean label is English (any Hangul made it ``ko``), and
    Google's ``detectedLanguages`` lists both."""
    text = "신청서 (Application Form)\nName: John Smith\nDate of birth: 1990-01-01"
    (lang, share), (other, rest) = schemas.detected_languages(text)
    assert (lang, other) == ("en", "ko") and share > rest and share + rest == pytest.approx(1)
    result = OCRResult.from_pages([_page(text.split("\n"))], model_version="m")
    (response,) = schemas.to_google(result)["responses"]
    assert response["textAnnotations"][0]["locale"] == "en"
    detected = response["fullTextAnnotation"]["pages"][0]["property"]["detectedLanguages"]
    assert [d["languageCode"] for d in detected] == ["en", "ko"]


def test_words_not_matching_text_are_kept() -> None:
    page = _page(["a b c"])
    page.text = "a b\nzzz c"  # text and words disagree: nothing lost, order kept
    lines = schemas.page_lines(page)
    assert [w.text for line in lines for w in line] == ["a", "b", "c"]


def test_empty_page() -> None:
    page = Page(confidence=0.0, height=10, id=0, text="", width=10, words=[])
    result = OCRResult.from_pages([page], model_version="m")
    assert schemas.to_clova(result)["images"][0]["fields"] == []
    # Google answers an image without text with no annotations at all (an empty description
    # with a language made ``if response.text_annotations:`` see text on a blank page)
    assert schemas.to_google(result)["responses"] == [{"context": {"pageNumber": 1}}]
