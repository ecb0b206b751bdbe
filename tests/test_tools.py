"""Agent tools inside real tool-calling loops driven by fake chat models, on real files."""

from __future__ import annotations

import asyncio

import pytest

from tests import docgen
from tests.frameworks import small_page


@pytest.fixture(scope="module")
def doc_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tools")
    (folder / "memo.png").write_bytes(
        docgen.image_bytes(small_page(["Board memo", "Dividend raised to 3 dollars"]), "PNG")
    )
    (folder / "two.pdf").write_bytes(
        docgen.pdf_from_images([small_page(["First page here"]), small_page(["Second page here"])])
    )
    return folder


def test_langchain_tool_in_a_tool_calling_loop(doc_dir, engine) -> None:
    pytest.importorskip("langchain_core")
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    from ocr_loaders.langchain import ocr_document_tool

    tool = ocr_document_tool(engine=engine, root=doc_dir)
    model = GenericFakeChatModel(messages=iter([
        AIMessage(content="", tool_calls=[
            {"name": "ocr_document", "args": {"path": "memo.png"}, "id": "call_1"},
            {"name": "ocr_document", "args": {"path": "two.pdf", "pages": "2"}, "id": "call_2"},
            {"name": "ocr_document", "args": {"path": "../../etc/passwd"}, "id": "call_3"},
        ]),
        AIMessage(content="The dividend was raised."),
    ]))
    messages: list = [HumanMessage("What does the memo say?")]
    while True:
        ai = model.invoke(messages)
        messages.append(ai)
        if not ai.tool_calls:
            break
        messages.extend(tool.invoke(call) for call in ai.tool_calls)

    memo, second, refused = (m for m in messages if isinstance(m, ToolMessage))
    assert "Dividend raised" in memo.content and memo.tool_call_id == "call_1"
    assert memo.artifact["pages"][0]["words"] and memo.artifact["numBilledPages"] == 1
    assert second.content.startswith("[page 2]") and "Second page" in second.content
    assert "First page" not in second.content
    assert refused.status == "error" and "outside the allowed directory" in refused.content
    assert messages[-1].content == "The dividend was raised."

    async def run_async() -> ToolMessage:
        call = {"type": "tool_call", "name": "ocr_document", "id": "c4",
                "args": {"path": "memo.png"}}
        return await tool.ainvoke(call)

    assert "Dividend raised" in asyncio.run(run_async()).content


def test_llama_index_tool_in_a_function_agent(doc_dir, engine) -> None:
    pytest.importorskip("llama_index.core")
    from llama_index.core.agent.workflow import FunctionAgent
    from llama_index.core.base.llms.types import ToolCallBlock
    from llama_index.core.llms import ChatMessage, MessageRole, MockFunctionCallingLLM

    from ocr_loaders.llama_index import ocr_document_tool

    def respond(messages, **kwargs):  # type: ignore[no-untyped-def]
        results = [m for m in messages if m.role == MessageRole.TOOL]
        if results:
            return ChatMessage(role="assistant", content="Found: " + results[-1].content)
        call = ToolCallBlock(tool_call_id="c1", tool_name="ocr_document",
                             tool_kwargs={"path": str(doc_dir / "memo.png")})
        return ChatMessage(role="assistant", blocks=[call])

    agent = FunctionAgent(
        tools=[ocr_document_tool(engine=engine, root=doc_dir)],
        llm=MockFunctionCallingLLM(response_generator=respond),
    )

    async def main():  # type: ignore[no-untyped-def]
        return await agent.run(user_msg="What does the memo say?")

    response = asyncio.run(main())
    assert "Dividend raised" in str(response)
    (call,) = response.tool_calls
    assert call.tool_output.raw_output["pages"][0]["words"]
    assert not call.tool_output.is_error


def test_a_path_with_a_nul_byte_is_a_tool_error_not_a_crash(doc_dir, engine) -> None:
    """A model can put any character in a path: a NUL made Path.resolve / os.stat raise
    ValueError ('embedded null byte'), which escaped both tools (LangChain handles only
    ToolException) and ``recognize``, instead of the typed error other bad paths get."""
    pytest.importorskip("langchain_core")
    from ocr_loaders import recognize
    from ocr_loaders.errors import InputError
    from ocr_loaders.langchain import ocr_document_tool

    tool = ocr_document_tool(engine=engine, root=doc_dir)
    for path in ("memo.png\x00.txt", str(doc_dir / "memo\x00.png")):
        message = tool.invoke({"type": "tool_call", "name": "ocr_document", "id": "c1",
                               "args": {"path": path}})
        assert message.status == "error" and "invalid path" in message.content
    unconfined = ocr_document_tool(engine=engine)
    message = unconfined.invoke({"type": "tool_call", "name": "ocr_document", "id": "c2",
                                 "args": {"path": "memo\x00.png"}})
    assert message.status == "error" and "invalid path" in message.content
    with pytest.raises(InputError, match="invalid path"):
        recognize(str(doc_dir / "memo.png\x00"), engine=engine)


@pytest.mark.timeout(60)
def test_a_named_pipe_is_a_tool_error_not_a_hang(doc_dir, engine, tmp_path) -> None:
    """An agent's path to a FIFO that no one writes to blocked the tool's open forever (and
    the agent's loop with it); devices could be read for ever too."""
    pytest.importorskip("langchain_core")
    import os

    from ocr_loaders.langchain import ocr_document_tool

    os.mkfifo(tmp_path / "scan.png")
    tool = ocr_document_tool(engine=engine, root=tmp_path)
    message = tool.invoke({"type": "tool_call", "name": "ocr_document", "id": "c1",
                           "args": {"path": "scan.png"}})
    assert message.status == "error" and "not a regular file" in message.content
    unconfined = ocr_document_tool(engine=engine)
    message = unconfined.invoke({"type": "tool_call", "name": "ocr_document", "id": "c2",
                                 "args": {"path": "/dev/zero"}})
    assert message.status == "error" and "not a regular file" in message.content
    message = unconfined.invoke({"type": "tool_call", "name": "ocr_document", "id": "c3",
                                 "args": {"path": str(doc_dir / "memo.png")}})
    assert message.status == "success" and "Dividend" in message.content


def test_pages_sent_as_json_numbers_are_pages_not_a_crash(doc_dir, engine) -> None:
    """Models write tool arguments as JSON and often send ``"pages": 2`` or ``[1, 2]``: the
    LangChain tool raised pydantic's ValidationError out of ``invoke`` (the agent loop
    crashed) and the LlamaIndex tool answered "'int' object is not iterable"."""
    pytest.importorskip("langchain_core")
    pytest.importorskip("llama_index.core")
    from ocr_loaders.langchain import ocr_document_tool as langchain_tool
    from ocr_loaders.llama_index import ocr_document_tool as llama_tool

    tool = langchain_tool(engine=engine, root=doc_dir)
    schema = tool.tool_call_schema.model_json_schema()
    assert "integer" not in str(schema["properties"]["pages"])  # the model still sees text
    for pages in (2, [2], ["2"], 2.0):
        message = tool.invoke({"type": "tool_call", "name": "ocr_document", "id": "c1",
                               "args": {"path": "two.pdf", "pages": pages}})
        assert message.status == "success", message.content
        assert message.content.startswith("[page 2]") and "First page" not in message.content
    for pages in ({"from": 1}, [1.5], True):
        message = tool.invoke({"type": "tool_call", "name": "ocr_document", "id": "c2",
                               "args": {"path": "two.pdf", "pages": pages}})
        assert message.status == "error"  # told to the model, not raised
        # what is wrong and what the tool takes (LangChain's own: "Tool input validation
        # error", nothing to go on)
        assert "invalid arguments (pages:" in message.content, message.content
        assert "takes path (string" in message.content
    message = tool.invoke({"type": "tool_call", "name": "ocr_document", "id": "c3",
                           "args": {"file": "two.pdf"}})
    assert message.status == "error" and "path: Field required" in message.content
    output = llama_tool(engine=engine, root=doc_dir).call(path="two.pdf", pages=2)
    assert output.content.startswith("[page 2]") and not output.is_error
    assert output.raw_output["metadata"]["pages"][0]["page"] == 2
    from ocr_loaders.errors import PageRangeError

    with pytest.raises(PageRangeError, match="bad pages"):  # the agent shows its message
        llama_tool(engine=engine, root=doc_dir).call(path="two.pdf", pages={"from": 1})


def test_encrypted_pdf_tells_the_model_what_it_can_do(doc_dir, engine, tmp_path) -> None:
    """The library's hint for encrypted PDFs (``pass password=...``) names an argument the
    tools do not have; the model is told to ask for an unprotected copy. Both tools describe
    their arguments to the model."""
    pytest.importorskip("langchain_core")
    pytest.importorskip("llama_index.core")
    from ocr_loaders.errors import EncryptedDocumentError
    from ocr_loaders.langchain import ocr_document_tool as langchain_tool
    from ocr_loaders.llama_index import ocr_document_tool as llama_tool

    (tmp_path / "locked.pdf").write_bytes(docgen.encrypted_pdf("pw"))
    message = langchain_tool(engine=engine, root=tmp_path).invoke(
        {"type": "tool_call", "name": "ocr_document", "id": "c1", "args": {"path": "locked.pdf"}})
    assert message.status == "error" and "password-protected" in message.content
    assert "password=" not in message.content and "unprotected copy" in message.content
    with pytest.raises(EncryptedDocumentError, match="unprotected copy"):
        llama_tool(engine=engine, root=tmp_path).call(path="locked.pdf")
    params = llama_tool(engine=engine).metadata.get_parameters_dict()["properties"]
    assert "document file" in params["path"]["description"]
    assert "1-3,5" in params["pages"]["description"]


def test_pages_past_the_limit_are_said_to_the_model(doc_dir, engine) -> None:
    """A 31-page document: the tool reads the first 30 and says page 31 was not read and how
    to read it (the model answered "not in the document" for what was on it)."""
    pytest.importorskip("langchain_core")
    pytest.importorskip("llama_index.core")
    from ocr_loaders.langchain import ocr_document_tool as lc_tool
    from ocr_loaders.llama_index import ocr_document_tool as li_tool

    (doc_dir / "long.pdf").write_bytes(docgen.text_pdf([f"Section {n}" for n in range(1, 32)]))
    note = 'pages after 30 were not read: call again with pages="31-31"'
    message = lc_tool(engine=engine, root=doc_dir).invoke(
        {"name": "ocr_document", "args": {"path": "long.pdf"}, "id": "c", "type": "tool_call"})
    assert "Section 30" in message.content and note in message.content
    assert len(message.artifact["pages"]) == 30
    output = li_tool(engine=engine, root=doc_dir).call(path="long.pdf")
    assert note in output.content and len(output.raw_output["pages"]) == 30
    # pages asked for: what was asked is what was read, no note
    asked = li_tool(engine=engine, root=doc_dir).call(path="long.pdf", pages="31")
    assert "Section 31" in asked.content and "not read" not in asked.content
