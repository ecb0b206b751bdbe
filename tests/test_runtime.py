"""What runs the embedded engine's models: ONNX Runtime, or OpenVINO (bfloat16 on CPUs that
have it, the default there)."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from ocr_loaders.engines.linereader import LineReader
from ocr_loaders.engines.local import LocalEngine
from ocr_loaders.engines.runtime import OpenVINOSession, openvino_bf16
from tests import docgen
from tests.conftest import ENGLISH, HANJA, JAPANESE, KOREAN

SCRIPTS = [(ENGLISH, 0.02), (KOREAN, 0.05), (JAPANESE, 0.05), (HANJA, 0.1)]


@pytest.fixture(scope="module")
def ort_engine() -> LocalEngine:
    return LocalEngine(runtime="onnxruntime")


@pytest.fixture(scope="module")
def openvino_engine() -> LocalEngine:
    return LocalEngine(runtime="openvino")


def test_auto_picks_openvino_where_it_runs_bfloat16(engine: LocalEngine) -> None:
    engine._load()
    expected = "openvino" if openvino_bf16() else "onnxruntime"
    assert engine.runtime_used == {"det": expected, "rec": expected}
    with pytest.raises(ValueError, match="runtime"):
        LocalEngine(runtime="tensorrt")


@pytest.mark.parametrize("runtime", ["onnxruntime", "openvino"])
def test_each_runtime_reads_every_script(runtime: str, ort_engine: LocalEngine,
                                         openvino_engine: LocalEngine) -> None:
    engine = ort_engine if runtime == "onnxruntime" else openvino_engine
    for lines, max_cer in SCRIPTS:
        page = engine.recognize(docgen.image_bytes(docgen.render_lines(lines), "PNG")).pages[0]
        assert docgen.cer(page.text, "\n".join(lines)) <= max_cer, (runtime, page.text)
        assert [w.text for w in page.words] == page.text.split()
    assert engine.runtime_used == {"det": runtime, "rec": runtime}


def test_onnxruntime_sessions_keep_no_memory_patterns(ort_engine: LocalEngine) -> None:
    """ORT runs without per-shape memory patterns (they only pile up as input shapes
    change); batches are bounded by width."""
    rapid = ort_engine._load()
    for model in (rapid.text_det, rapid.text_rec):
        assert model.session.session.get_session_options().enable_mem_pattern is False
    with pytest.raises(ValueError):
        LocalEngine(rec_batch_width=0)


def test_openvino_pages_in_parallel_threads(openvino_engine: LocalEngine) -> None:
    """One engine serves several threads (the server's workers): each thread has its own
    infer request, and results equal those read one page at a time."""
    rapid = openvino_engine._load()
    assert isinstance(rapid.text_rec.session.session, OpenVINOSession)
    expected = "bf16" if openvino_bf16() else "f32"
    assert rapid.text_rec.session.session.inference_precision() == expected
    pngs = [docgen.image_bytes(docgen.render_lines(lines), "PNG")
            for lines in [*(s[0] for s in SCRIPTS), ["Invoice 4471", "Total 980.00 USD"]]]
    alone = [openvino_engine.recognize(png).pages[0].text for png in pngs]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda png: openvino_engine.recognize(png).pages[0].text,
                                 pngs * 2))
    assert together == alone * 2


def test_openvino_recognition_batches_run_side_by_side(openvino_engine: LocalEngine) -> None:
    """On OpenVINO the recogniser runs two batches at a time (two streams, one call does not
    keep two cores busy); lines come back to their own places, as when read one by one."""
    rapid = openvino_engine._load()
    session = rapid.text_rec.session.session
    if openvino_engine._workers() < 2:
        pytest.skip("one core: batches run one after the other")
    assert session.streams == 2 and openvino_engine._rec_pool is not None
    lines = [f"Line {n}: {word} " * (1 + n % 4) for n, word in
             enumerate(["alpha", "invoice", "harbour", "total", "seven", "quarter"] * 3)]
    png = docgen.image_bytes(docgen.render_lines(lines), "PNG")
    together = openvino_engine.recognize(png).pages[0]
    pool, openvino_engine._rec_pool = openvino_engine._rec_pool, None
    try:
        alone = openvino_engine.recognize(png).pages[0]
    finally:
        openvino_engine._rec_pool = pool
    assert together.text == alone.text
    assert [w.bounding_box for w in together.words] == [w.bounding_box for w in alone.words]
    assert docgen.cer(together.text, "\n".join(s.strip() for s in lines)) <= 0.05
    # readings without word boxes (Hanja checks) come back in their crops' order too
    words = ["甲", "alpha", "乙", "invoice 4471", "harbour", "丙", "total", "seven"] * 3
    crops = [np.asarray(docgen.render_lines([w], size=28, width=40 + 22 * len(w), margin=8))
             for w in words]
    boxes = np.zeros((len(crops), 4, 2), dtype=np.float32)
    side = LineReader(rapid, boxes, crops, pool=pool).plain(crops)
    one_by_one = LineReader(rapid, boxes, crops).plain(crops)
    assert side == one_by_one
    assert [text for text, _ in side] == [w for w in words], side


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_large_blocks_get_their_own_mappings_unless_the_user_chose() -> None:
    """The engine sets glibc's mmap threshold once (resident memory stops ratcheting up
    between pages), and leaves a threshold the user set alone."""
    code = ("from ocr_loaders.engines.local import LocalEngine\n"
            "from ocr_loaders.engines.runtime import limit_heap_growth\n"
            "LocalEngine(runtime='onnxruntime')._load()\n"
            "print(limit_heap_growth.cache_info().currsize, limit_heap_growth())")
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_MMAP_THRESHOLD_"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["1", "True"]  # called by the engine's load, and glibc took it
    env["MALLOC_MMAP_THRESHOLD_"] = "131072"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["1", "False"]


def test_the_detector_input_is_bit_for_bit_rapidocrs(engine: LocalEngine) -> None:
    """``fast_detector_input`` swaps rapidocr's float64 normalisation for a table: the model
    must see exactly the same numbers."""
    from rapidocr.ch_ppocr_det.utils import DetPreProcess

    det = engine._load().text_det
    rng = np.random.default_rng(7)
    page = rng.integers(0, 256, size=(1700, 1200, 3), dtype=np.uint8)
    ours = det.get_preprocess()
    assert type(ours) is not DetPreProcess  # the table is in use
    theirs = DetPreProcess(det.limit_side_len, det.limit_type, det.mean, det.std)
    expected = theirs(page)
    got = ours(page)
    assert got.dtype == np.float32 and got.flags.c_contiguous
    assert np.array_equal(got, expected)


def test_the_darkest_channel_is_numpys_minimum_over_channels() -> None:
    from ocr_loaders.engines.layout import darkest_channel

    rng = np.random.default_rng(3)
    page = rng.integers(0, 256, size=(301, 207, 3), dtype=np.uint8)
    assert np.array_equal(darkest_channel(page), page.min(axis=2))
    grey = page[:, :, 1]
    assert darkest_channel(grey) is grey


def test_the_kernel_cache_size_is_set_for_openvino_only_while_it_compiles(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """oneDNN reads its kernel cache size from the environment: it is there while OpenVINO
    compiles, then gone (other oneDNN users keep their default), and a size the user set is
    left as it is."""
    from ocr_loaders.engines.runtime import PRIMITIVE_CACHE_CAPACITY, _primitive_cache

    for name in ("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "DNNL_PRIMITIVE_CACHE_CAPACITY"):
        monkeypatch.delenv(name, raising=False)
    with _primitive_cache(PRIMITIVE_CACHE_CAPACITY):
        assert os.environ["ONEDNN_PRIMITIVE_CACHE_CAPACITY"] == str(PRIMITIVE_CACHE_CAPACITY)
    assert "ONEDNN_PRIMITIVE_CACHE_CAPACITY" not in os.environ
    with pytest.raises(RuntimeError), _primitive_cache(64):
        raise RuntimeError("compilation failed")
    assert "ONEDNN_PRIMITIVE_CACHE_CAPACITY" not in os.environ
    monkeypatch.setenv("DNNL_PRIMITIVE_CACHE_CAPACITY", "2048")
    with _primitive_cache(PRIMITIVE_CACHE_CAPACITY):
        assert "ONEDNN_PRIMITIVE_CACHE_CAPACITY" not in os.environ
    assert os.environ["DNNL_PRIMITIVE_CACHE_CAPACITY"] == "2048"


def test_the_recogniser_keeps_its_buffers_for_a_page_only(openvino_engine: LocalEngine) -> None:
    """The recogniser's working memory stays from batch to batch and is handed back when the
    page is done; its outputs are read in place, so a page read twice reads the same."""
    rapid = openvino_engine._load()
    rec, det = rapid.text_rec.session.session, rapid.text_det.session.session
    assert rec.hold_buffers and not det.hold_buffers
    released: list[tuple[int, int]] = []
    release = rec.release
    rec.release = lambda: (released.append((rec._running, openvino_engine._pages_running)),
                           release())
    try:
        png = docgen.image_bytes(docgen.render_lines([s[0][0] for s in SCRIPTS]), "PNG")
        first = openvino_engine.recognize(png).pages[0]
        assert released == [(0, 0)]  # once, at the page's end, with no call running
        second = openvino_engine.recognize(png).pages[0]
        # pages of several threads: never while another page may be decoding an output
        with ThreadPoolExecutor(3) as pool:
            texts = list(pool.map(lambda _: openvino_engine.recognize(png).pages[0].text,
                                  range(6)))
    finally:
        del rec.release
    assert first.text == second.text and texts == [first.text] * 6
    assert [w.confidence for w in first.words] == [w.confidence for w in second.words]
    assert all(state == (0, 0) for state in released) and len(released) >= 3
