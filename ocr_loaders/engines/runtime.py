"""Inference sessions for the embedded engine's models (the ONNX files in the rapidocr wheel).

rapidocr opens its models with ONNX Runtime; the engine replaces each session with one it
chooses here (rapidocr exposes neither option):

- ``"onnxruntime"``: ONNX Runtime without memory patterns. ORT plans and keeps a memory
  pattern per input shape; detector and recogniser inputs change shape on every page and
  batch, so the patterns only pile up (15 eval pages: peak RSS 905 -> 774 MB, time unchanged).
- ``"openvino"``: OpenVINO's CPU plugin on the same ONNX file. On CPUs with bfloat16
  instructions (AVX512-BF16, AMX) it runs the models in bfloat16 by default, which measured
  1.5-1.9x faster per model call than ONNX Runtime in float32 and made the whole engine
  1.39x faster on the eval pages at the same accuracy (README, engine benchmark). Elsewhere
  it runs float32 at about ORT's speed.
- ``"auto"``: OpenVINO when it is installed and the CPU has bfloat16 instructions, else ONNX
  Runtime.

Both read the model file already on disk; nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import threading
from collections.abc import Iterator
from typing import Any

import cv2
import numpy as np

RUNTIMES = ("auto", "onnxruntime", "openvino")

OPENVINO_CONFIG: dict[str, Any] = {"PERFORMANCE_HINT": "LATENCY", "CPU_RUNTIME_CACHE_CAPACITY": 0}
"""OpenVINO CPU plugin settings. The plugin caches compiled kernels per input shape (5000
entries by default) and inputs change shape on every page and batch: over the 124 eval pages
peak RSS was 2.46 GB with the cache and 1.09 GB without (both before the release and trim
below, which bring it to 957 MB; 18 pages with 200 entries: 1.0 GB); the cache saved about
10% of the time (1.54 against 1.71 s/page)."""


PRIMITIVE_CACHE_CAPACITY = 128
"""Kernels the CPU plugin's oneDNN keeps compiled (1024 by default). Inputs change shape on
every page and batch, and a full cache held ~160 MB: on the 124 eval pages (AMX host,
2026-12-07) peak RSS was 1022 MB with 1024 entries and 854 MB with none, which cost 29% of the
time; 128 entries kept the time (13 pages: 1.78 s/page either way) and ~150 MB of the
saving."""

_PRIMITIVE_CACHE_VARIABLES = ("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "DNNL_PRIMITIVE_CACHE_CAPACITY")
_ENVIRONMENT_LOCK = threading.Lock()


@contextlib.contextmanager
def _primitive_cache(capacity: int) -> Iterator[None]:
    """Have OpenVINO's oneDNN size its kernel cache ``capacity`` when it sets it up (once per
    process, on the first model compiled). oneDNN reads the size from the environment only,
    so it is set there for the time of the compilation and taken away after, so that other
    libraries in the process (PyTorch has a oneDNN of its own) keep their default; a size
    the user set is left alone."""
    with _ENVIRONMENT_LOCK:  # two engines loading at once: one sets, one clears
        if any(name in os.environ for name in _PRIMITIVE_CACHE_VARIABLES):
            yield
            return
        os.environ[_PRIMITIVE_CACHE_VARIABLES[0]] = str(capacity)
        try:
            yield
        finally:
            os.environ.pop(_PRIMITIVE_CACHE_VARIABLES[0], None)


def replace_session(holder: Any, runtime: str, threads: int | None, streams: int = 1,
                    hold_buffers: bool = False) -> str:
    """Reopen the model behind rapidocr's session ``holder`` with ``runtime``; the runtime
    used. ``streams`` > 1 makes an OpenVINO session run that many calls at once, the
    threads split between them, and ``hold_buffers`` keeps its working memory from call to
    call until ``release_session`` (``OpenVINOSession``); ONNX Runtime ignores both."""
    old = getattr(holder, "session", None)
    path = getattr(old, "_model_path", None)
    if old is None or not path:
        return "onnxruntime"
    if runtime == "auto":
        runtime = "openvino" if openvino_bf16() else "onnxruntime"
    if runtime == "openvino":
        holder.session = OpenVINOSession(path, old, threads, streams, hold_buffers)
    else:
        holder.session = _ort_session(path, old, threads)
    return runtime


def release_session(holder: Any) -> None:
    """Let the OpenVINO session behind rapidocr's ``holder`` hand back the working memory it
    holds (``OpenVINOSession.release``); other sessions have nothing to do."""
    session = getattr(holder, "session", None)
    if isinstance(session, OpenVINOSession):
        session.release()


def trim_heap() -> None:
    """Hand the C heap's free memory back to the system (glibc only; elsewhere nothing).

    OpenVINO frees its per-shape working memory after each call (``OpenVINOSession.run``),
    but glibc keeps the freed pages, so resident memory creeps up from page to page (18 eval
    pages: 874 MB after the last page, 601 MB when trimmed after each; 5-10 ms a page).
    """
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


MMAP_THRESHOLD = 4 << 20
"""Heap blocks of this many bytes and more get their own mapping (``limit_heap_growth``)."""

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)


@functools.lru_cache(maxsize=1)
def limit_heap_growth() -> bool:
    """Have glibc serve allocations of ``MMAP_THRESHOLD`` bytes and more from mappings of
    their own, handed back to the system when freed; whether it was set (once per process).

    glibc raises that threshold, by default, to the size of each large block freed (up to
    32 MB), after which the recogniser's large per-call arrays (inputs, outputs up to 90 MB,
    decoding) come from the heap, where the engine's several threads leave them scattered
    over their arenas: resident memory then ratchets up from page to page. Measured on 30
    dense eval pages (DocBank, Scribe, Chinese, Korean, PDFs), peak RSS with OpenVINO
    running two recognition batches at a time 1110-1178 MB by default, 881-891 MB with a
    4 MB threshold (1 MB: 875-883; 16 MB: 989-1014); time 3.00-3.26 against 3.02-3.59 s per
    page (noise of the machine; about 4% on the mean); ONNX Runtime 715 -> 704 MB, 4.0 ->
    3.8 s. It affects only how big blocks are obtained, for the whole process; a threshold
    the user set (``MALLOC_MMAP_THRESHOLD_`` or ``GLIBC_TUNABLES``) is left alone.
    """
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "mmap_threshold" in os.environ.get(
            "GLIBC_TUNABLES", ""):
        return False
    libc = _libc()
    mallopt = getattr(libc, "mallopt", None) if libc is not None else None
    return bool(mallopt is not None and mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1)


@functools.lru_cache(maxsize=1)
def _libc() -> Any:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 (glibc has it; musl and macOS do not)
    except (OSError, AttributeError):
        return None
    return libc


@functools.lru_cache(maxsize=1)
def openvino_bf16() -> bool:
    """Whether OpenVINO is installed and would run the models in bfloat16 on this CPU
    (asked once per process)."""
    try:
        core = _core()
    except ImportError:
        return False
    try:
        capabilities = core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    except RuntimeError:  # no CPU plugin
        return False
    return "BF16" in capabilities


@functools.lru_cache(maxsize=1)
def _core() -> Any:
    """One OpenVINO ``Core`` per process (it loads the device plugins)."""
    import openvino as ov

    return ov.Core()


def _ort_session(path: str, old: Any, threads: int | None) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 4
    options.enable_cpu_mem_arena = True
    options.enable_mem_pattern = False
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
    providers = old.get_providers()
    provider_options = old.get_provider_options()
    return ort.InferenceSession(
        path, sess_options=options, providers=providers,
        provider_options=[provider_options.get(p, {}) for p in providers],
    )


class OpenVINOSession:
    """The part of ``onnxruntime.InferenceSession`` rapidocr calls, run by OpenVINO.

    Input and output names and the model's metadata (the recogniser's character list) come
    from the ONNX Runtime session it replaces. An infer request is not safe to share between
    threads, so each thread gets its own (the compiled model is shared).

    With ``streams`` > 1 the plugin runs that many calls at once, each on its share of the
    threads (``THROUGHPUT`` hint), for callers that make calls from several threads: one
    call of the recogniser does not keep two cores busy (156 recogniser batches of 7 eval
    pages, bfloat16, 2 cores: one call at a time on 2 threads 12.0-13.5 s, on 1 thread
    18.6 s; two at once on 1 thread each 9.7-10.4 s).
    """

    def __init__(self, path: str, ort_session: Any, threads: int | None,
                 streams: int = 1, hold_buffers: bool = False) -> None:
        config = dict(OPENVINO_CONFIG)
        if streams > 1:
            config.update(PERFORMANCE_HINT="THROUGHPUT", NUM_STREAMS=streams)
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        with _primitive_cache(PRIMITIVE_CACHE_CAPACITY):
            self._compiled = _core().compile_model(path, "CPU", config)
        self._inputs = ort_session.get_inputs()
        self._outputs = ort_session.get_outputs()
        self._meta = ort_session.get_modelmeta()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._running = 0
        self._model_path = path
        self.streams = streams
        """How many calls run at once (1: one call uses every thread)."""
        self.hold_buffers = hold_buffers
        """Whether working memory stays from call to call until ``release`` (else it is
        handed back whenever no call runs)."""

    def run(self, output_names: Any, input_feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        with self._lock:
            self._running += 1
        try:
            # inputs are read in place; outputs too while the buffers are held: such an
            # output is valid only until this thread's next call (a larger input then moves
            # it: reading it after that crashed, OpenVINO 2026.4), and rapidocr decodes each
            # batch right after its call; else they are copied out of the request's buffers,
            # which are handed back (the recogniser's output is up to 90 MB, its input a few)
            result = request.infer([input_feed[i.name] for i in self._inputs],
                                   share_inputs=True, share_outputs=self.hold_buffers)
            return [result[self._compiled.output(0)]]
        finally:
            with self._lock:
                self._running -= 1
            if not self.hold_buffers:
                self.release()

    def release(self) -> None:
        """Hand back the working memory if no call runs (else it stays until the next time).
        With ``hold_buffers``, outputs handed out are views of the request's output, read
        before the same thread's next call; the engine releases when no page is in progress
        (``LocalEngine``), so none is being read then (release_memory left such a view
        readable in a check with OpenVINO 2026.4, but that is not promised).

        Intermediate buffers grow to the largest input seen and stay (after batches up to 6
        lines of 5000 px: 1040 MB kept, 640 MB released). Getting them back costs a page
        fault per 4 KB on the next call: for the recogniser, called ~40 times a page with
        inputs of every shape, 11% of the engine's time on 13 eval pages (AMX host,
        2026-12-07), so the engine has its buffers held for a page and released at the
        page's end (``hold_buffers``); the detector, called about once a page, releases
        after each call, so that the two never hold their buffers at once.
        """
        with self._lock:
            if not self._running:
                self._compiled.release_memory()

    def get_inputs(self) -> Any:
        return self._inputs

    def get_outputs(self) -> Any:
        return self._outputs

    def get_modelmeta(self) -> Any:
        return self._meta

    def get_providers(self) -> list[str]:
        return ["OpenVINO CPU"]

    def inference_precision(self) -> str:
        """The element type the CPU plugin computes in (``bf16`` or ``f32``)."""
        precision = self._compiled.get_property("INFERENCE_PRECISION_HINT")
        return str(precision.get_type_name())


def fast_detector_input(text_det: Any) -> None:
    """Have rapidocr's detector ``text_det`` scale its input through a look-up table.

    rapidocr normalises the resized page in float64 (``(x * 1/255 - mean) / std``, its mean
    and std being float64 arrays) and casts the result back: 50 ms for a 1280-px page, a
    few percent of a page's time. The table holds the same float32 value for each of the 256
    levels of each channel, so the input is bit for bit the same (checked in the tests).
    Where rapidocr's detector is not built as this expects (another version), it is left
    as it is.
    """
    try:
        from rapidocr.ch_ppocr_det.utils import DetPreProcess
    except ImportError:
        return
    if not all(hasattr(text_det, name) for name in (
            "limit_side_len", "limit_type", "mean", "std", "get_preprocess")):
        return

    class TablePreProcess(DetPreProcess):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            levels = np.arange(256, dtype=np.float32)[:, np.newaxis]
            table = (levels * self.scale - self.mean) / self.std
            self.table = np.ascontiguousarray(table.astype(np.float32)[:, np.newaxis, :])

        def __call__(self, img: np.ndarray) -> np.ndarray | None:
            resized = self.resize(img)
            if resized is None:
                return None
            if resized.dtype != np.uint8 or resized.ndim != 3 or resized.shape[2] != 3:
                return super().__call__(img)  # not a colour page: rapidocr's own way
            scaled = cv2.LUT(resized, self.table)
            return np.ascontiguousarray(scaled.transpose(2, 0, 1)[np.newaxis])

    def preprocess() -> DetPreProcess:  # the detector's settings as they are at each call
        return TablePreProcess(text_det.limit_side_len, text_det.limit_type, text_det.mean,
                               text_det.std)

    text_det.get_preprocess = preprocess
