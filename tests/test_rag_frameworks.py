"""OCRTextSplitter and OCRNodeParser on real OCR'd pages, through a vector store and back."""

from __future__ import annotations

import json

import pytest

from tests.frameworks import PAGE1, PAGE2, bow_vector, small_page, write_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("ragfw"))


def _word_boxes(page_doc_meta: dict, ids: list[int]) -> list:
    by_id = {w["id"]: w["box"] for w in page_doc_meta["words"]}
    return [by_id[i] for i in ids]


def test_langchain_splitter_store_retrieve_cite(corpus, engine) -> None:
    pytest.importorskip("langchain_core")
    from langchain_core.embeddings import Embeddings
    from langchain_core.vectorstores import InMemoryVectorStore

    from ocr_loaders.langchain import OCRLoader, OCRTextSplitter

    class BagOfWords(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [bow_vector(t) for t in texts]

        def embed_query(self, text: str) -> list[float]:
            return bow_vector(text)

    pages = OCRLoader(sorted(corpus.values()), engine=engine).load()
    splitter = OCRTextSplitter(chunk_size=8, chunk_overlap=2)
    chunks = splitter.split_documents(pages)
    assert len(chunks) > len(pages)
    assert all(c.metadata["token_count"] <= 8 and "words" not in c.metadata for c in chunks)
    # stable ids: loading and splitting again upserts instead of adding duplicates
    assert [p.id for p in pages] == [
        f"{p.metadata['source']}#page={p.metadata['page']}" for p in pages]
    assert all(c.id == f"{c.metadata['source']}#page={c.metadata['page']}"
               f"#chunk={c.metadata['chunk_index']}" for c in chunks)
    assert len({c.id for c in chunks}) == len(chunks)
    store = InMemoryVectorStore(BagOfWords())
    store.add_documents(chunks)
    store.add_documents(splitter.split_documents(pages))
    assert len(store.store) == len(chunks)
    (hit,) = store.similarity_search("total amount due dollars", k=1)
    assert "amount due" in hit.page_content
    page = next(p for p in pages if (p.metadata["source"], p.metadata["page"])
                == (hit.metadata["source"], hit.metadata["page"]))
    # the chunk cites exactly its words, and they spell its text
    assert hit.metadata["boxes"] == _word_boxes(page.metadata, hit.metadata["word_ids"])
    texts = {w["id"]: w["text"] for w in page.metadata["words"]}
    assert " ".join(texts[i] for i in hit.metadata["word_ids"]).split() == hit.page_content.split()
    assert splitter.split_text("plain text " * 30)[0].count("plain") >= 3
    # create_documents (texts and metadatas, as many tutorials call it) keeps provenance too
    made = splitter.create_documents([p.page_content for p in pages], [p.metadata for p in pages])
    assert [(c.page_content, c.metadata) for c in made] == [
        (c.page_content, c.metadata) for c in chunks]
    assert "words" in pages[0].metadata  # the caller's metadata is left as it was
    with pytest.raises(ValueError, match="metadatas"):
        splitter.create_documents(["a", "b"], [{}])
    assert len(splitter.create_documents(["a b", "c"], [])) == 2  # [] as None, as LangChain


def test_llama_index_node_parser_index_retrieve(corpus, engine) -> None:
    pytest.importorskip("llama_index.core")
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
    from llama_index.core.embeddings import BaseEmbedding
    from llama_index.core.schema import MetadataMode, NodeRelationship
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    from ocr_loaders.llama_index import OCRNodeParser, OCRReader

    class BagOfWords(BaseEmbedding):
        def _get_query_embedding(self, query: str) -> list[float]:
            return bow_vector(query)

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return bow_vector(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return bow_vector(text)

    docs = SimpleDirectoryReader(
        str(corpus["png"].parent), file_extractor=OCRReader.file_extractor(engine=engine)
    ).load_data()
    parser = OCRNodeParser(chunk_size=16, chunk_overlap=0)
    nodes = parser.get_nodes_from_documents(docs)
    assert all("words" not in n.metadata for n in nodes)
    by_id = {d.id_: d for d in docs}
    for node in nodes:
        related = node.relationships[NodeRelationship.SOURCE]
        source = related.node_id
        assert source in by_id and node.metadata["page"] == by_id[source].metadata["page"]
        # the page's relation as LlamaIndex makes it (made once per page, not per chunk),
        # but without the page's words: it is stored with every node
        page_relation = by_id[source].as_related_node_info()
        assert (related.node_id, related.node_type, related.hash) == (
            page_relation.node_id, page_relation.node_type, page_relation.hash)
        assert related.metadata == {k: v for k, v in by_id[source].metadata.items()
                                    if k != "words"}
        assert related.metadata is not by_id[source].metadata
        # what a vector store keeps of the node: nothing of the page's other words
        stored = node_to_metadata_dict(node, remove_text=True, flat_metadata=False)
        assert '"words"' not in stored["_node_content"]
        assert node.metadata["boxes"] == _word_boxes(by_id[source].metadata,
                                                     node.metadata["word_ids"])
        embedded = node.get_content(metadata_mode=MetadataMode.EMBED)
        assert "boxes" not in embedded and "word_ids" not in embedded and "[[" not in embedded
    index = VectorStoreIndex(nodes, embed_model=BagOfWords())
    (hit,) = index.as_retriever(similarity_top_k=1).retrieve("revenue grew percent")
    assert "Revenue grew" in hit.node.get_content()
    assert hit.node.metadata["boxes"]

    relations = {id(n.relationships[NodeRelationship.SOURCE]) for n in nodes}
    assert len(relations) == len(nodes)  # made once per page, but one object per node

    flat = OCRNodeParser(chunk_size=8, chunk_overlap=0, flat_metadata=True)
    assert isinstance(flat.get_nodes_from_documents(docs[:1])[0].metadata["boxes"], str)


def test_pages_text_are_the_known_lines() -> None:
    # guard for the fixtures above: the corpus text the assertions rely on
    assert "Revenue grew by 12 percent" in PAGE1 and "Total amount due 980 dollars" in PAGE2
    assert small_page(PAGE1).width == 900


def test_langchain_splitter_pickles_and_builds_from_tiktoken_names() -> None:
    # LangChain users pickle splitters (multiprocessing) and build token splitters with
    # from_tiktoken_encoder: both work, offline, with the same chunks
    pytest.importorskip("langchain_core")
    import pickle

    from ocr_loaders.langchain import OCRTextSplitter
    from ocr_loaders.rag import get_encoding
    from tests.ragdata import make_record

    page = make_record([["Invoice", "4471", "Total", "980", "dollars"]] * 6)
    splitter = OCRTextSplitter(chunk_size=8, chunk_overlap=2)
    expected = splitter.split_text(page.text)
    assert pickle.loads(pickle.dumps(splitter)).split_text(page.text) == expected
    for built in (OCRTextSplitter.from_tiktoken_encoder(chunk_size=8, chunk_overlap=2),
                  OCRTextSplitter.from_tiktoken_encoder(model_name="gpt-4", chunk_size=8,
                                                        chunk_overlap=2)):
        assert built.encoding is get_encoding("cl100k_base")
        assert built.split_text(page.text) == expected
    with pytest.raises(ValueError, match="chunk_overlap"):
        OCRTextSplitter(chunk_size=8, chunk_overlap=8)


def test_llama_index_node_parser_takes_an_encoding_and_checks_at_once() -> None:
    # GUIDE §3: a name or a tiktoken.Encoding everywhere; bad sizes and names are refused
    # when the parser is made, not after a pipeline's documents were OCR'd
    pytest.importorskip("llama_index.core")
    from llama_index.core.schema import Document

    from ocr_loaders.llama_index import OCRNodeParser
    from ocr_loaders.rag import EncodingUnavailableError, get_encoding

    doc = Document(text="Invoice 4471 Total 980 dollars\n" * 6, id_="p")
    by_name = OCRNodeParser(chunk_size=8, chunk_overlap=2)
    by_object = OCRNodeParser(chunk_size=8, chunk_overlap=2, encoding=get_encoding())
    assert [n.text for n in by_object.get_nodes_from_documents([doc])] == \
        [n.text for n in by_name.get_nodes_from_documents([doc])]
    assert by_object.to_dict()["encoding"] == get_encoding().name
    with pytest.raises(ValueError, match="chunk_overlap"):
        OCRNodeParser(chunk_size=8, chunk_overlap=8)
    with pytest.raises(EncodingUnavailableError):
        OCRNodeParser(encoding="cl100k")


def test_llama_index_nodes_char_offsets_are_the_chunks_own() -> None:
    # LlamaIndex finds a node's text in its page to set start_char_idx; a short chunk whose
    # text also occurs in the chunk before must keep its own place
    pytest.importorskip("llama_index.core")
    from llama_index.core.schema import Document

    from ocr_loaders.llama_index import OCRNodeParser

    doc = Document(text="의 b b 건 x", id_="p")
    nodes = OCRNodeParser(chunk_size=2, chunk_overlap=0).get_nodes_from_documents([doc])
    assert [n.text for n in nodes] == ["의 b", "b", "건", "x"]
    for node in nodes:
        assert (node.start_char_idx, node.end_char_idx) == (
            node.metadata["start_index"], node.metadata["end_index"])
        assert doc.text[node.start_char_idx:node.end_char_idx] == node.text
    assert nodes[1].start_char_idx == 4


def test_llama_index_node_parser_honours_id_func() -> None:
    """``id_func`` (a NodeParser field LlamaIndex's splitters honour, for namespaced or
    per-tenant ids) was ignored; without it the ids stay the stable ``#chunk=`` ones."""
    pytest.importorskip("llama_index.core")
    from llama_index.core.schema import Document, NodeRelationship

    from ocr_loaders.llama_index import OCRNodeParser

    docs = [Document(text="alpha beta gamma delta epsilon zeta", id_=f"p{n}") for n in (1, 2)]
    nodes = OCRNodeParser(chunk_size=2, chunk_overlap=0,
                          id_func=lambda i, doc: f"tenant42/{doc.id_}/{i}"
                          ).get_nodes_from_documents(docs)
    per_page = len(nodes) // 2
    assert per_page > 1 and [n.node_id for n in nodes] == [
        f"tenant42/p{p}/{i}" for p in (1, 2) for i in range(per_page)]
    assert nodes[0].relationships[NodeRelationship.NEXT].node_id == "tenant42/p1/1"
    assert nodes[0].source_node.node_id == "p1"
    plain = OCRNodeParser(chunk_size=2, chunk_overlap=0).get_nodes_from_documents(docs)
    assert plain[0].node_id == "p1#chunk=0"
    # a misspelt option is refused, not the default used in its place
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="chunk_sizee"):
        OCRNodeParser(chunk_sizee=10)


def test_node_ids_are_unique_and_do_not_depend_on_other_pages(corpus, engine) -> None:
    """A node's id (and metadata) depends only on its own page: the same page chunked with
    its file or alone gives the same nodes, and a whole file loaded with ``mode="single"``
    gives distinct ids across its pages (a vector store upserts by id)."""
    pytest.importorskip("llama_index.core")
    from ocr_loaders.llama_index import OCRNodeParser, OCRReader

    parser = OCRNodeParser(chunk_size=6, chunk_overlap=0)
    pages = OCRReader(engine=engine).load_data(corpus["pdf"])
    together = parser.get_nodes_from_documents(pages)
    alone = parser.get_nodes_from_documents(pages[1:])
    second = [(n.id_, n.text, n.metadata) for n in together if n.metadata["page"] == 2]
    assert second and second == [(n.id_, n.text, n.metadata) for n in alone]
    assert len({n.id_ for n in together}) == len(together)
    (whole,) = OCRReader(engine=engine, mode="single").load_data(corpus["pdf"])
    nodes = parser.get_nodes_from_documents([whole])
    assert {n.metadata["page"] for n in nodes} == {1, 2}
    assert len({n.id_ for n in nodes}) == len(nodes)
    assert all(n.id_.startswith(f"{whole.id_}#page=") for n in nodes)


def test_llama_index_nodes_keep_their_page_templates() -> None:
    # LlamaIndex's splitters copy a document's text and metadata templates onto its nodes:
    # a custom embedding format was lost at our parser
    pytest.importorskip("llama_index.core")
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import Document, MetadataMode

    from ocr_loaders.llama_index import OCRNodeParser

    doc = Document(text="Hello World 2024", id_="p", metadata={"source": "a.png", "page": 1},
                   text_template="META[{metadata_str}] TEXT[{content}]",
                   metadata_template="{key}={value}", metadata_separator="; ")
    (ours,) = OCRNodeParser().get_nodes_from_documents([doc])
    (theirs,) = SentenceSplitter().get_nodes_from_documents([doc])
    assert ours.get_content(MetadataMode.EMBED) == theirs.get_content(MetadataMode.EMBED) == (
        "META[source=a.png; page=1] TEXT[Hello World 2024]")


def test_flat_page_documents_for_stores_that_take_only_flat_values(corpus, engine) -> None:
    """Chroma refuses a list in metadata ("Value for metadata words must be one of (str, int,
    float, None)"): ``flat_metadata=True`` on the loaders gives page documents whose lists are
    JSON strings, chunks of them are flat too, and their boxes still highlight."""
    pytest.importorskip("langchain_core")
    pytest.importorskip("llama_index.core")
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    from ocr_loaders.langchain import OCRLoader, OCRTextSplitter
    from ocr_loaders.llama_index import OCRNodeParser, OCRReader
    from ocr_loaders.rag import highlight_boxes

    def scalar(metadata: dict) -> bool:
        return all(v is None or isinstance(v, (str, int, float, bool)) for v in metadata.values())

    files = [corpus["png"], corpus["pdf"]]
    pages = OCRLoader(files, engine=engine, flat_metadata=True).load()
    boxed = OCRLoader(files, engine=engine).load()
    assert all(scalar(p.metadata) for p in pages)
    assert [json.loads(p.metadata["words"]) for p in pages] == [p.metadata["words"] for p in boxed]
    chunks = OCRTextSplitter(chunk_size=8, chunk_overlap=0).split_documents(pages)
    plain = OCRTextSplitter(chunk_size=8, chunk_overlap=0).split_documents(boxed)
    assert all(scalar(c.metadata) for c in chunks)
    assert [highlight_boxes(c) for c in chunks] == [highlight_boxes(c) for c in plain]
    (single,) = OCRLoader(corpus["pdf"], engine=engine, mode="single", flat_metadata=True).load()
    assert scalar(single.metadata)
    assert all(scalar(c.metadata) for c in OCRTextSplitter(
        chunk_size=8, chunk_overlap=0).split_documents([single]))

    docs = OCRReader(engine=engine, flat_metadata=True).load_data(files)
    for doc in docs:  # what LlamaIndex's Chroma store calls on each node
        node_to_metadata_dict(doc, flat_metadata=True)
    nodes = OCRNodeParser(chunk_size=8, chunk_overlap=0).get_nodes_from_documents(docs)
    for node in nodes:
        node_to_metadata_dict(node, flat_metadata=True)
    assert highlight_boxes(nodes[0])
