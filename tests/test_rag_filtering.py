"""The low-confidence filter on records, OCRResult and both frameworks' documents."""

from __future__ import annotations

import json

import pytest

from ocr_loaders.models import UNKNOWN_CHAR, BoundingBox, OCRResult, Page, Word
from ocr_loaders.rag import filter_low_confidence
from tests.ragdata import make_record

LINES = [["Total", "due", "980"], ["~~", "noise"], ["Paid", "in", "full"]]
CONF = [0.99, 0.95, 0.97, 0.20, 0.30, 0.98, 0.45, 0.99]


def test_drop_cuts_words_keeps_lines_and_ids() -> None:
    record = make_record(LINES, CONF)
    (out,) = filter_low_confidence([record], min_word_confidence=0.5)
    assert out.text == "Total due 980\nPaid full"
    assert [w["id"] for w in out.metadata["words"]] == [0, 1, 2, 5, 7]
    assert out.metadata["dropped_words"] == 3 and out.metadata["low_confidence"] is False
    assert out.metadata["confidence"] == pytest.approx(sum([.99, .95, .97, .98, .99]) / 5)
    assert record.metadata["words"][3]["text"] == "~~"  # the input is not modified


def test_drop_keeps_blank_lines_and_lines_it_did_not_touch() -> None:
    """Only lines that lost words are tidied (and dropped when nothing is left); a blank line
    of the page (a paragraph break, which chunking ends chunks at) and the spacing of
    untouched lines stay as they were."""
    record = make_record([["Title"], ["Total", "due", "980"], ["~~", "noise"], ["Paid"]],
                         [0.99, 0.99, 0.99, 0.99, 0.2, 0.3, 0.99])
    record.text = "Title\n\nTotal  due\t980\n~~ noise\n\nPaid"
    (out,) = filter_low_confidence([record], min_word_confidence=0.5)
    assert out.text == "Title\n\nTotal  due\t980\n\nPaid"
    assert [w["id"] for w in out.metadata["words"]] == [0, 1, 2, 3, 6]


def test_mask_keeps_positions() -> None:
    out = filter_low_confidence(make_record(LINES, CONF), min_word_confidence=0.5, action="mask")
    assert out.text == f"Total due 980\n{UNKNOWN_CHAR} {UNKNOWN_CHAR}\nPaid {UNKNOWN_CHAR} full"
    assert len(out.metadata["words"]) == 8 and out.metadata["masked_words"] == 3
    assert out.metadata["words"][3]["text"] == UNKNOWN_CHAR


def test_flag_changes_nothing_but_metadata() -> None:
    record = make_record(LINES, CONF)
    out = filter_low_confidence(record, min_word_confidence=0.5, action="flag")
    assert out.text == record.text and out.metadata["words"] == record.metadata["words"]
    assert out.metadata["low_confidence_word_ids"] == [3, 4, 6]
    assert out.metadata["flagged_words"] == 3 and out.metadata["low_confidence"] is True


def test_page_threshold_drops_or_flags_pages() -> None:
    good = make_record([["fine", "page"]], [0.99, 0.98], page=1)
    bad = make_record([["blurry", "page"]], [0.40, 0.50], page=2)
    kept = filter_low_confidence([good, bad], min_page_confidence=0.8)
    assert [r.metadata["page"] for r in kept] == [1]
    flagged = filter_low_confidence([good, bad], min_page_confidence=0.8, action="flag")
    assert [r.metadata["low_confidence"] for r in flagged] == [False, True]
    with pytest.raises(ValueError, match="action"):
        filter_low_confidence(good, min_word_confidence=0.5, action="delete")  # type: ignore[arg-type]


def _page(index: int, words: list[tuple[str, float]], lines: str) -> Page:
    ws = [Word(bounding_box=BoundingBox.from_rect(10 * i, 10, 10 * i + 8, 20), confidence=c,
               id=i, text=t) for i, (t, c) in enumerate(words)]
    return Page(confidence=sum(c for _, c in words) / len(words), height=100, id=index,
                text=lines, width=100, words=ws)


def test_ocr_result_keeps_the_api_shape_and_page_numbers() -> None:
    pages = [
        _page(0, [("good", 0.9), ("bad", 0.1)], "good bad"),
        _page(1, [("awful", 0.2)], "awful"),
        _page(2, [("fine", 0.95)], "fine"),
    ]
    result = OCRResult.from_pages(pages, model_version="m", page_numbers=[3, 4, 5], total_pages=9)
    out = filter_low_confidence(result, min_word_confidence=0.5, min_page_confidence=0.5)
    assert isinstance(out, OCRResult)
    assert [p.text for p in out.pages] == ["good", "fine"]
    assert [m.page for m in out.metadata.pages] == [3, 5]
    assert out.text == "good\nfine" and out.total_pages == 9
    assert out.num_billed_pages == 3  # billing is what it was
    assert OCRResult.model_validate(out.to_api_dict()).to_json() == out.to_json()
    assert result.pages[0].text == "good bad"


def test_framework_documents_come_back_as_their_type() -> None:
    record = make_record(LINES, CONF)
    lc = pytest.importorskip("langchain_core.documents")
    doc = lc.Document(page_content=record.text, metadata=record.metadata, id="p1")
    (out,) = filter_low_confidence([doc], min_word_confidence=0.5)
    assert isinstance(out, lc.Document) and out.id == "p1" and "~~" not in out.page_content

    li = pytest.importorskip("llama_index.core.schema")
    ldoc = li.Document(id_="x#page=1", text=record.text, metadata=record.metadata,
                       excluded_embed_metadata_keys=["words"])
    out2 = filter_low_confidence(ldoc, min_word_confidence=0.5, action="mask")
    assert isinstance(out2, li.Document) and out2.id_ == "x#page=1"
    # its own exclusions kept, and the keys the filter added hidden too (as on our pages)
    assert out2.excluded_embed_metadata_keys == ["words", "masked_words", "low_confidence"]
    assert UNKNOWN_CHAR in out2.text


def test_llama_index_nodes_keep_their_type_and_relations() -> None:
    """A LlamaIndex item comes back as its own class with everything but its text and
    metadata as it was: a chunk (``TextNode``) keeps its page relation and offsets, a page
    document its templates (it came back as a bare ``Document``)."""
    li = pytest.importorskip("llama_index.core.schema")
    from ocr_loaders.llama_index import OCRNodeParser, to_document

    page = to_document(make_record(LINES, CONF))
    page.metadata_separator = " | "
    out = filter_low_confidence(page, min_word_confidence=0.5)
    assert out.metadata_separator == " | " and out.id_ == page.id_
    assert "~~" not in out.text and "~~" in page.text  # the input is not modified
    node = OCRNodeParser(chunk_size=8, chunk_overlap=0).get_nodes_from_documents([page])[0]
    flagged = filter_low_confidence(node, min_page_confidence=0.99, action="flag")
    assert isinstance(flagged, li.TextNode) and flagged.id_ == node.id_
    assert flagged.ref_doc_id == page.id_ and flagged.metadata["low_confidence"] is True
    assert (flagged.start_char_idx, flagged.end_char_idx) == (node.start_char_idx,
                                                              node.end_char_idx)
    assert "low_confidence" not in node.metadata


def test_loader_option_min_confidence(engine, tmp_path) -> None:
    pytest.importorskip("langchain_core")
    from ocr_loaders.langchain import OCRLoader
    from tests import docgen
    from tests.frameworks import small_page

    path = tmp_path / "p.png"
    path.write_bytes(docgen.image_bytes(small_page(["Quarterly report 2024"]), "PNG"))
    (plain,) = OCRLoader(path, engine=engine).load()
    threshold = sorted(w["confidence"] for w in plain.metadata["words"])[1]  # drop the lowest
    (filtered,) = OCRLoader(path, engine=engine, min_confidence=threshold).load()
    assert filtered.metadata["dropped_words"] == 1
    assert len(filtered.metadata["words"]) == len(plain.metadata["words"]) - 1


@pytest.mark.parametrize("bad", [-0.1, 1.5, "0.5", True])
def test_thresholds_outside_zero_to_one_are_refused(bad) -> None:
    from ocr_loaders.documents import PageRecord

    record = PageRecord(text="a", metadata={"confidence": 0.9, "words": []})
    with pytest.raises(ValueError, match="from 0 to 1"):
        filter_low_confidence([record], min_word_confidence=bad)
    with pytest.raises(ValueError, match="from 0 to 1"):
        filter_low_confidence([record], min_page_confidence=bad)


def test_flagged_word_ids_follow_each_chunk_and_flatten() -> None:
    # action="flag" lists the page's flagged word ids; a chunk must not claim flagged words
    # it does not contain, and flat metadata must be flat for every key
    from ocr_loaders.rag import chunk_documents

    page = filter_low_confidence(make_record(LINES, CONF), min_word_confidence=0.5,
                                 action="flag")
    chunks = chunk_documents([page], chunk_size=4, chunk_overlap=0)
    assert len(chunks) > 1
    for chunk in chunks:
        meta = chunk.metadata
        assert meta["low_confidence_word_ids"] == [i for i in meta["word_ids"] if i in (3, 4, 6)]
    assert [i for c in chunks for i in c.metadata["low_confidence_word_ids"]] == [3, 4, 6]
    flat = chunk_documents([page], chunk_size=4, chunk_overlap=0, flat_metadata=True)
    for chunk, nested in zip(flat, chunks):
        assert all(isinstance(v, (str, int, float, bool)) for v in chunk.metadata.values())
        assert json.loads(chunk.metadata["low_confidence_word_ids"]) == \
            nested.metadata["low_confidence_word_ids"]


def test_flat_metadata_stays_flat_through_the_filter() -> None:
    """Chunks made with ``flat_metadata=True`` (for Chroma) come back from the filter with
    their word lists still JSON strings, the filter's own list included."""
    pytest.importorskip("langchain_core")
    from langchain_core.documents import Document

    from ocr_loaders.rag import chunk_documents

    page = make_record(LINES, CONF)
    doc = Document(page_content=page.text, metadata=page.metadata)
    flat = chunk_documents([doc], chunk_size=4, chunk_overlap=0, flat_metadata=True)
    for action in ("drop", "mask", "flag"):
        # chunks have no word confidences: the page threshold is what applies to them
        out = filter_low_confidence(flat, min_page_confidence=0.1, action=action)
        assert len(out) == len(flat)
        for before, after in zip(flat, out):
            meta = after.metadata
            assert all(isinstance(v, (str, int, float, bool)) for v in meta.values()), meta
            assert json.loads(meta["word_ids"]) == json.loads(before.metadata["word_ids"])
            assert json.loads(meta["boxes"]) == json.loads(before.metadata["boxes"])
            assert "words" not in meta


def test_word_threshold_on_items_without_words_is_refused_not_a_false_report() -> None:
    """A chunk (``word_ids`` only) or a ``mode="single"`` document has no word confidences:
    the filter left its low words in, reported ``dropped_words: 0`` / ``flagged_words: 0``
    and ``low_confidence: False`` and added an empty ``words`` list (``"[]"`` when flat)."""
    pytest.importorskip("langchain_core")
    from langchain_core.documents import Document

    from ocr_loaders.rag import chunk_documents

    page = make_record(LINES, CONF)
    doc = Document(page_content=page.text, metadata=page.metadata)
    single = Document(page_content=page.text, metadata={"source": "s", "confidence": 0.7})
    for flat in (False, True):
        chunks = chunk_documents([doc], chunk_size=4, chunk_overlap=0, flat_metadata=flat)
        assert any(c.metadata["confidence_min"] < 0.5 for c in chunks)
        for action in ("drop", "mask", "flag"):
            for items in (chunks, [single]):
                with pytest.raises(ValueError, match="filter page documents before chunking"):
                    filter_low_confidence(items, min_word_confidence=0.5, action=action)
    (kept,) = filter_low_confidence([single], min_page_confidence=0.5)
    assert "words" not in kept.metadata and kept.page_content == page.text


def test_flagged_word_ids_stay_out_of_llama_index_embeddings() -> None:
    pytest.importorskip("llama_index.core")
    from llama_index.core.schema import MetadataMode

    from ocr_loaders.llama_index import OCRNodeParser, to_document

    doc = to_document(make_record(LINES, CONF))
    (flagged,) = filter_low_confidence([doc], min_word_confidence=0.5, action="flag")
    nodes = OCRNodeParser(chunk_size=4, chunk_overlap=0).get_nodes_from_documents([flagged])
    for item in (flagged, *nodes):
        for mode in (MetadataMode.EMBED, MetadataMode.LLM):
            assert "low_confidence_word_ids" not in item.get_content(metadata_mode=mode)


def test_a_second_pass_adds_to_what_the_first_recorded() -> None:
    """Filtering twice (the loaders' ``min_confidence``, then a page threshold; or flagged
    chunks filtered again) reset ``dropped_words`` to 0 and emptied the chunks' flagged ids:
    the record of what was filtered was lost."""
    from ocr_loaders.rag import chunk_documents

    record = make_record(LINES, CONF)
    (once,) = filter_low_confidence([record], min_word_confidence=0.5)
    (twice,) = filter_low_confidence([once], min_page_confidence=0.5)
    assert twice.metadata["dropped_words"] == 3 and twice.text == once.text
    (thrice,) = filter_low_confidence([twice], min_word_confidence=0.96)  # 0.95 and 0.45 out
    assert thrice.metadata["dropped_words"] == 4 and thrice.text == "Total 980\nPaid full"
    masked = filter_low_confidence(record, min_word_confidence=0.5, action="mask")
    again = filter_low_confidence(masked, min_word_confidence=0.5, action="mask")
    assert again.metadata["masked_words"] == 3 and again.text == masked.text
    flagged = filter_low_confidence(record, min_word_confidence=0.5, action="flag")
    chunks = chunk_documents([flagged], chunk_size=4, chunk_overlap=0)
    refiltered = filter_low_confidence(chunks, min_page_confidence=0.1, action="flag")
    assert [c.metadata["low_confidence_word_ids"] for c in refiltered] == \
        [c.metadata["low_confidence_word_ids"] for c in chunks]
    assert all(c.metadata["low_confidence"] for c in refiltered)
    # flag, then drop: the flagged ids name only the words still there
    dropped = filter_low_confidence(flagged, min_word_confidence=0.5)
    assert dropped.metadata["low_confidence_word_ids"] == []
    assert dropped.metadata["flagged_words"] == 0 and dropped.metadata["dropped_words"] == 3
    partly = filter_low_confidence(flagged, min_word_confidence=0.35)  # drops 3 and 4, not 6
    assert partly.metadata["low_confidence_word_ids"] == [6]
    more = filter_low_confidence(flagged, min_word_confidence=0.96, action="flag")
    assert more.metadata["low_confidence_word_ids"] == [3, 4, 6, 1]
    assert more.metadata["flagged_words"] == 4


def test_the_filter_keys_it_adds_to_llama_index_nodes_are_not_embedded() -> None:
    """Nodes list only the keys they had when made: the filter's counts and flagged ids,
    added later, went into the text that is embedded and sent to the LLM."""
    pytest.importorskip("llama_index.core")
    from llama_index.core.schema import MetadataMode

    from ocr_loaders.llama_index import OCRNodeParser, to_document

    nodes = OCRNodeParser(chunk_size=4, chunk_overlap=0).get_nodes_from_documents(
        [to_document(make_record(LINES, CONF))])
    for action in ("drop", "mask", "flag"):
        for node in filter_low_confidence(nodes, min_page_confidence=0.5, action=action):
            for mode in (MetadataMode.EMBED, MetadataMode.LLM):
                shown = node.get_content(metadata_mode=mode)
                assert "words:" not in shown and "low_confidence" not in shown, shown
                assert "source:" in shown


def test_low_words_not_found_in_edited_text_are_neither_cut_nor_counted() -> None:
    """Text changed after OCR (lower-cased): the low words that are no longer found in it
    were removed from ``words`` and counted as dropped while the text still held them."""
    record = make_record(LINES, CONF)
    record.text = record.text.replace("noise", "NOISE")  # ``noise`` (0.30) is not found
    for action in ("drop", "mask"):
        out = filter_low_confidence(record, min_word_confidence=0.5, action=action)
        key = "dropped_words" if action == "drop" else "masked_words"
        assert out.metadata[key] == 2  # ``~~`` and ``in``
        assert "NOISE" in out.text and "~~" not in out.text
        kept = {w["text"] for w in out.metadata["words"]}
        assert "noise" in kept and "in" not in kept and "~~" not in kept
