"""Write the notebooks from the cells below and execute them in place (outputs committed).

    python notebooks/build.py            # all
    python notebooks/build.py 02         # those whose name contains "02"

The test suite executes the committed notebooks again (tests/test_notebooks.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text.strip())


def code(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(text.strip())


SETUP = code("""
from pathlib import Path

from ocr_loaders.demo import write_demo_documents

# an invoice PNG, a two-page scanned PDF and a memo JPEG, rendered offline
files = write_demo_documents(Path("demo-docs"))
files
""")

NOTEBOOKS = {
    "01_quickstart.ipynb": [
        md("""
# Quickstart: OCR offline, see the boxes, filter the noise

The embedded engine runs offline with no API key and returns the Upstage Document OCR API's
response shape. This notebook OCRs a scanned page and a multi-page PDF, draws the word boxes
coloured by confidence, and applies the low-confidence filter.
"""),
        SETUP,
        code("""
from ocr_loaders import LocalEngine

engine = LocalEngine()                       # models ship inside the installed packages
result = engine.recognize(files["invoice"])
print(result.pages[0].text)
print("confidence", round(result.confidence, 3), "words", len(result.pages[0].words))
"""),
        code("""
import json

print(json.dumps(result.to_api_dict()["pages"][0]["words"][:2], indent=1))   # the API's word shape
"""),
        code("""
report = engine.recognize(files["report"])   # every page of a PDF, rendered at 300 DPI
for i, page in enumerate(report.pages):
    print(f"--- page {report.page_number(i)} ({page.width}x{page.height} px)")
    print(page.text)
"""),
        md("## Word boxes, coloured by confidence"),
        code("""
from ocr_loaders import viz

image = viz.page_image(files["invoice"])
picture = viz.draw_words(image, result.pages[0])
picture.resize((picture.width // 2, picture.height // 2))
"""),
        md("""
## The low-confidence filter

Words under a confidence threshold are dropped (or masked, or flagged); the line structure stays
and word ids do not change. Here we pick a strict threshold so that a few words go.
"""),
        code("""
from ocr_loaders.rag import filter_low_confidence

confidences = sorted(w.confidence for w in result.pages[0].words)
threshold = confidences[3]                  # strict on purpose: the 3 least sure words go
filtered = filter_low_confidence(result, min_word_confidence=threshold)
removed = {w.id for w in result.pages[0].words} - {w.id for w in filtered.pages[0].words}
print("removed:", [w.text for w in result.pages[0].words if w.id in removed])
print(filtered.pages[0].text)
"""),
        code("""
from ocr_loaders.documents import result_records

before = next(result_records(result, source="invoice.png", engine="local"))
after = filter_low_confidence(before, min_word_confidence=threshold)
both = viz.compare_filtering(image, before, after)
both.resize((both.width // 3, both.height // 3))
"""),
    ],
    "02_rag_with_citations.ipynb": [
        md("""
# RAG with citations

Load documents as one LangChain `Document` per page, split them into token-sized chunks that
keep the boxes of exactly their words, retrieve offline with BM25, answer by quoting the best
chunk, and draw where the answer is on the page.
"""),
        SETUP,
        code("""
from ocr_loaders.langchain import OCRLoader, OCRTextSplitter

pages = OCRLoader(list(files.values())).load()
chunks = OCRTextSplitter(chunk_size=24, chunk_overlap=4).split_documents(pages)
print(len(pages), "pages ->", len(chunks), "chunks")
chunks[0].metadata
"""),
        code("""
import re

from rank_bm25 import BM25Okapi


def tokens(text):
    return re.findall(r"\\w+", text.lower())

bm25 = BM25Okapi([tokens(c.page_content) for c in chunks])
question = "How much is the dividend per share?"
scores = bm25.get_scores(tokens(question))
best = chunks[max(range(len(chunks)), key=scores.__getitem__)]
print(f"Q: {question}")
print(f"A (quoted from {Path(best.metadata['source']).name}, page {best.metadata['page']}):")
print(best.page_content)
"""),
        code("""
from ocr_loaders import viz
from ocr_loaders.rag import highlight_boxes

print("highlight:", highlight_boxes(best))
page_image = viz.page_image(best.metadata["source"], best.metadata["page"])
marked = viz.draw_chunk(page_image, best)
top = marked.crop((0, 0, marked.width, marked.height // 2))
top.resize((top.width // 3, top.height // 3))
"""),
        md("""
The same with LlamaIndex: `SimpleDirectoryReader` with our reader for every supported
extension, and `OCRNodeParser` for nodes that cite their words.
"""),
        code("""
from llama_index.core import SimpleDirectoryReader

from ocr_loaders.llama_index import OCRNodeParser, OCRReader

docs = SimpleDirectoryReader("demo-docs", file_extractor=OCRReader.file_extractor()).load_data()
nodes = OCRNodeParser(chunk_size=24, chunk_overlap=4).get_nodes_from_documents(docs)
node = next(n for n in nodes if "dividend" in n.text)
meta = node.metadata
print(meta["file_name"], "page", meta["page"], "boxes", meta["boxes"][:2])
print(node.get_content(metadata_mode="embed"))   # no boxes in what gets embedded
"""),
    ],
    "03_agent_tool.ipynb": [
        md("""
# The OCR tool in an agent loop

`ocr_document_tool` is a LangChain `StructuredTool` with `response_format="content_and_artifact"`:
the model sees the text, the program keeps the structured result. A scripted chat model stands in
for an LLM here, so the notebook runs offline; swap in any tool-calling chat model
(`model.bind_tools([tool])`).
"""),
        SETUP,
        code("""
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from ocr_loaders.langchain import ocr_document_tool

tool = ocr_document_tool(root="demo-docs")     # the agent may only read files in demo-docs/
model = GenericFakeChatModel(messages=iter([
    AIMessage(content="", tool_calls=[{"name": "ocr_document", "id": "call_1",
                                       "args": {"path": "memo.jpg"}}]),
    AIMessage(content="The garage closes on Friday at 6 pm; use the north entrance."),
]))
messages = [HumanMessage("When does the parking garage close?")]
while True:
    reply = model.invoke(messages)
    messages.append(reply)
    if not reply.tool_calls:
        break
    messages.extend(tool.invoke(call) for call in reply.tool_calls)

for m in messages:
    print(f"{type(m).__name__}: {m.content or m.tool_calls}")
"""),
        code("""
tool_message = next(m for m in messages if isinstance(m, ToolMessage))
artifact = tool_message.artifact                 # the API-shaped result, for the program
print(artifact["numBilledPages"], "page,", len(artifact["pages"][0]["words"]), "words")
"""),
        code("""
refused = tool.invoke({"type": "tool_call", "id": "c2", "name": "ocr_document",
                       "args": {"path": "../../etc/passwd"}})
print(refused.status, "-", refused.content)
"""),
    ],
    "04_self_hosted_server.ipynb": [
        md("""
# A self-hosted, API-compatible OCR server

`ocr-loaders serve` answers `POST /v1/document-ai/ocr` like the Upstage API, so any client of
that API can point at it. Here we start it, call it with `requests` and `curl` as the API's
documentation does, and ask for the CLOVA and Google Vision response shapes.
"""),
        SETUP,
        code("""
import atexit
import socket
import subprocess
import sys
import time

import requests

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
url = f"http://127.0.0.1:{port}"
server = subprocess.Popen(
    [sys.executable, "-m", "ocr_loaders.cli", "serve", "--port", str(port),
     "--api-key", "demo-key"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
)
atexit.register(server.terminate)  # stopped with the kernel, also if a cell below fails
for _ in range(120):
    try:
        if requests.get(f"{url}/health", timeout=1).ok:
            break
    except requests.ConnectionError:
        time.sleep(0.5)
print(requests.get(f"{url}/health").json())
"""),
        code("""
headers = {"Authorization": "Bearer demo-key"}
with open(files["invoice"], "rb") as f:
    response = requests.post(f"{url}/v1/document-ai/ocr", headers=headers,
                             files={"document": f}, data={"model": "ocr"})
body = response.json()
print(response.status_code, sorted(body))
print(body["text"])
"""),
        code("""
curl = subprocess.run(
    ["curl", "-s", "-X", "POST", f"{url}/v1/document-ai/ocr",
     "-H", "Authorization: Bearer demo-key", "-F", f"document=@{files['memo']}"],
    capture_output=True, text=True,
)
print(curl.stdout[:300], "...")
"""),
        code("""
for schema in ("clova", "google"):
    with open(files["memo"], "rb") as f:
        r = requests.post(f"{url}/v1/document-ai/ocr", headers=headers,
                          files={"document": f}, data={"schema": schema})
    print(schema, r.status_code, list(r.json())[:5])
wrong = requests.post(f"{url}/v1/document-ai/ocr", headers={"Authorization": "Bearer nope"},
                      files={"document": ("x.png", b"...")})
print("wrong key:", wrong.status_code, wrong.json())
"""),
        code("""
from ocr_loaders import UpstageEngine

client = UpstageEngine(api_key="demo-key", base_url=url)   # the API client, pointed at us
print(client.recognize(files["memo"]).text)
server.terminate()
exit_code = server.wait(timeout=30)
"""),
    ],
}


def build(name: str, cells: list[nbformat.NotebookNode], execute: bool = True) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = HERE / name
    if execute:
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(HERE)}}).execute()
    nbformat.write(nb, path)
    return path


if __name__ == "__main__":
    wanted = sys.argv[1:]
    for name, cells in NOTEBOOKS.items():
        if not wanted or any(w in name for w in wanted):
            print("built", build(name, cells))
