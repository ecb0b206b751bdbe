"""The embedded engine: offline OCR with PP-OCRv6 (RapidOCR) plus Tesseract for Hangul.

Pipeline per page: optional orientation fix (``LocalEngine._upright``) -> PP-OCRv6 text detection ->
PP-OCRv6 recognition of every line crop (the ``※`` marks and Latin spaces it scores just
below "no character" are given back, :mod:`ocr_loaders.engines.ctcmarks`; condensed Latin
lines it scores low are read again stretched, ``LineReader.read_stretched``) -> lines that
PP-OCRv6 cannot read (it has no Hangul: empty or low-confidence output) are read again by
Tesseract ``kor+eng`` as single lines, and the better reading is kept -> words and reading
order (:mod:`ocr_loaders.engines.layout`).

Models ship inside the ``rapidocr`` wheel and Debian's Tesseract packages; nothing is
downloaded. Models load once per engine, on first use. The engine is safe to share between
threads: ONNX Runtime sessions allow concurrent runs and Tesseract handles are per thread.
"""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
from PIL import Image

from ocr_loaders.engines import (
    bullets,
    circles,
    deskew,
    formboxes,
    hangul,
    japanese,
    latin,
    marks,
    mixedlines,
    quotes,
    strips,
)
from ocr_loaders.engines.base import PageEngine
from ocr_loaders.engines.ctcmarks import MarkRecoveringDecoder
from ocr_loaders.engines.layout import (
    CJK,
    LineResult,
    Piece,
    Quad,
    darkest_channel,
    quad_rect,
    tighten_line,
    words_of_text,
)
from ocr_loaders.engines.linereader import LineReader
from ocr_loaders.engines.order import page_skew, reading_order
from ocr_loaders.engines.pictures import with_pictures
from ocr_loaders.engines.runtime import (
    RUNTIMES,
    fast_detector_input,
    limit_heap_growth,
    release_session,
    replace_session,
    trim_heap,
)
from ocr_loaders.engines.tesseract import Tesseract, find_tessdata
from ocr_loaders.errors import EngineError, MissingDependencyError
from ocr_loaders.inputs import DocPage
from ocr_loaders.models import BoundingBox, Page, Word

T = TypeVar("T")

REC_STREAMS = 2
"""Recognition batches run this many at a time on OpenVINO, each on its share of the cores:
one call does not keep two cores busy (``runtime.OpenVINOSession``). ONNX Runtime keeps one
call at a time on all threads: it scales with them (156 batches: 14.0 s on 2 threads, 25.8 s
on 1, 18.8 s two at a time on 1 thread each)."""

ORIENTATIONS = (90, 180, 270)
"""Quarter turns (counter-clockwise) a suspicious page is also read in (``_upright``)."""
UPRIGHT, TURNED, SIDEWAYS_HANGUL = 0, 1, 2
"""What ``_read_page`` says of a page's orientation: fine as it stands, maybe turned
(``_upright`` looks), or a Korean page lying on its side (its lines stand on end)."""
OSD_MIN_CONFIDENCE = 3.0
"""Tesseract OSD confidence (``orient_conf``) taken as an answer for a page whose lines stand
on end (``_upright``): 6-27 on 200-DPI CJK pages turned any quarter and on a vertical
Japanese page, right every time."""
ORIENTATION_SAMPLE = 8
"""Widest lines read in each orientation to compare them."""
ORIENTATION_MARGIN = 0.1
"""A turn is taken only when its sample scores this much more than the page as it stands."""
ORIENTATION_TIE = 0.1
"""Turns whose samples score within this of the best read as well: the one whose lines lie
level is taken (horizontal writing is the rule, columns the exception). A Korean page upside
down read 0.745 turned a quarter (PP-OCRv6 reads Hangul lying on its side as columns of Han
junk) and 0.669 turned half."""

KOREAN_SAMPLE = 8
"""Widest lines of a page read to tell whether it is Korean (``_korean_page``)..."""
KOREAN_SAMPLE_FOUND = 2
"""...which it is when this many of them are Hangul that PP-OCRv6 cannot read (a quarter of
the sample: two lines of a Korean deed among English ones)."""

ENGINE_VERSION = "1.19"
"""In ``modelVersion`` and so in the cache key: raised when the same page reads differently."""


def _install_hint() -> MissingDependencyError:
    return MissingDependencyError(
        'the embedded engine needs rapidocr and onnxruntime: pip install "ocr-loaders[local]"'
    )


class LocalEngine(PageEngine):
    """Offline OCR for English, Korean, Chinese (incl. Hanja) and Japanese. The default engine.

    Args:
        hangul: read Hangul lines with Tesseract ``kor`` (``None``: when its data is installed).
        auto_rotate: fix pages scanned at 90/180/270 degrees (the orientation the
            recogniser reads best, tried when a page looks turned or reads poorly).
        det_limit_side_len: longest side of the detector's input (larger pages are scaled
            down to it). At 1280 the 9-10 pt print of a 200-DPI A4 form is still found; at
            960 the engine is about 10% faster but misses such lines (Japanese forms Chr_F1
            .993 -> .987, Scribe Det_F1 .954 -> .920).
        min_line_score: lines the recogniser scores below this are dropped as noise.
        hangul_threshold: PP-OCRv6 lines scoring below this are re-read by Tesseract.
        num_threads: inference threads per model (``None``: all cores).
        tessdata: Tesseract data directory (default: found on the system).
        tight_boxes: shrink word boxes to their ink (recognisers pad them with the line's margin).
        rec_batch_size: most text lines recognised together (batching speeds up narrow lines).
        rec_batch_width: most lines x padded width (in line heights) per recognition batch;
            the recogniser's memory grows with it (about 1.4 MB per unit) and wide lines gain
            nothing from batching, so this bounds memory at no cost in time (see
            ``engines/batching.py``; 60: about 85 MB of working memory).
        runtime: what runs the detector and recogniser: ``"onnxruntime"``, ``"openvino"``
            (bfloat16 on CPUs that have it, 1.5-1.9x faster there) or ``"auto"`` (OpenVINO when
            installed and the CPU has bfloat16, else ONNX Runtime); see ``engines/runtime.py``.
        use_text_layer: read born-digital PDF pages (and Office files) from their text layer,
            exactly and without OCR; pages without a usable layer are OCR'd. False forces OCR.
        read_pictures: on pages read from their text layer, OCR the pictures too (a scanned
            letterhead, a screenshot, a chart pasted as an image: text the layer lacks) and
            merge their lines into the page (``engines/pictures.py``).
        deskew: read pages whose text slopes by 1.5 degrees or more (a slanted scan, a photo)
            turned level, with the boxes turned back into the given image's pixels
            (``engines/deskew.py``).
    """

    name = "local"

    def __init__(
        self,
        *,
        hangul: bool | None = None,
        auto_rotate: bool = True,
        det_limit_side_len: int = 1280,
        min_line_score: float = 0.5,
        hangul_threshold: float = 0.8,
        num_threads: int | None = None,
        tessdata: str | None = None,
        tight_boxes: bool = True,
        use_text_layer: bool = True,
        read_pictures: bool = True,
        rec_batch_size: int = 6,
        rec_batch_width: float = 60.0,
        runtime: str = "auto",
        deskew: bool = True,
    ) -> None:
        if rec_batch_size < 1:
            raise ValueError("rec_batch_size must be at least 1")
        if rec_batch_width <= 0:
            raise ValueError("rec_batch_width must be positive")
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}")
        self.runtime = runtime
        self.runtime_used: dict[str, str] = {}
        """The runtime each model was opened with ("det", "rec"), once loaded."""
        self.rec_batch_size = rec_batch_size
        self.rec_batch_width = rec_batch_width
        self.tight_boxes = tight_boxes
        self.use_text_layer = use_text_layer
        self.read_pictures = read_pictures
        self.deskew = deskew
        self.hangul = hangul
        self.auto_rotate = auto_rotate
        self.det_limit_side_len = det_limit_side_len
        self.min_line_score = min_line_score
        self.hangul_threshold = hangul_threshold
        self.num_threads = num_threads
        self.tessdata = tessdata
        self._lock = threading.Lock()
        self._pages_running = 0
        """Pages being recognised now (threads may share the engine)."""
        self._rapid: Any = None
        self._tess: Tesseract | None = None
        self._tess_checked = False
        self._pool: ThreadPoolExecutor | None = None
        self._rec_pool: ThreadPoolExecutor | None = None
        """Runs recognition batches side by side (OpenVINO with ``REC_STREAMS`` streams)."""

    def __repr__(self) -> str:
        return (
            f"LocalEngine(hangul={self.hangul}, auto_rotate={self.auto_rotate}, "
            f"det_limit_side_len={self.det_limit_side_len})"
        )

    def cache_options(self) -> dict[str, object]:
        return {
            "hangul": self.hangul, "auto_rotate": self.auto_rotate,
            "det_limit_side_len": self.det_limit_side_len, "min_line_score": self.min_line_score,
            "hangul_threshold": self.hangul_threshold, "tight_boxes": self.tight_boxes,
            "use_text_layer": self.use_text_layer, "rec_batch_size": self.rec_batch_size,
            "rec_batch_width": self.rec_batch_width, "runtime": self.runtime,
            "deskew": self.deskew, "read_pictures": self.read_pictures,
        }

    # --- models ------------------------------------------------------------------------------

    def _load(self) -> Any:
        if self._rapid is not None:
            return self._rapid
        with self._lock:
            if self._rapid is None:
                try:
                    from rapidocr import RapidOCR
                except ImportError as exc:
                    raise _install_hint() from exc
                limit_heap_growth()
                threads = self.num_threads if self.num_threads else -1
                rapid = RapidOCR(
                    params={
                        "Global.log_level": "error",
                        "Global.use_cls": False,
                        "Global.text_score": 0.0,
                        "Det.limit_type": "max",
                        "Det.limit_side_len": self.det_limit_side_len,
                        # a candidate box scores the mean text probability inside its
                        # own outline, not its bounding rectangle: an invoice's lone
                        # quantity "1", joined by a faint tail to the amount beside it,
                        # scored 0.45 by rectangle (dropped at 0.5), 0.77 by outline
                        "Det.score_mode": "slow",
                        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                        "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
                        "Rec.rec_batch_num": self.rec_batch_size,
                    }
                )
                self.runtime_used = {
                    "det": replace_session(rapid._load_det_model().session, self.runtime,
                                           self.num_threads),
                    "rec": replace_session(rapid._load_rec_model().session, self.runtime,
                                           self.num_threads, streams=REC_STREAMS,
                                           hold_buffers=True),
                }
                if self.runtime_used["rec"] == "openvino" and self._workers() >= REC_STREAMS:
                    self._rec_pool = ThreadPoolExecutor(REC_STREAMS,
                                                        thread_name_prefix="ocr-rec")
                rapid._load_cls_model()
                fast_detector_input(rapid.text_det)
                rec: Any = rapid.text_rec
                rec.postprocess_op = MarkRecoveringDecoder(rec.postprocess_op)
                self._rapid = rapid
        return self._rapid

    def _tesseract(self) -> Tesseract | None:
        if not self._tess_checked:
            with self._lock:
                if not self._tess_checked:
                    self._tess = _try_tesseract(self.tessdata)
                    self._tess_checked = True
        return self._tess

    def _map(self, fn: Callable[[int], T], items: Sequence[int]) -> list[T]:
        """``fn`` over ``items`` on the engine's threads (Tesseract releases the GIL, so lines
        are read in parallel; each thread has its own Tesseract handles)."""
        if len(items) < 2:
            return [fn(i) for i in items]
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self._workers(),
                                                    thread_name_prefix="ocr-lines")
        return list(self._pool.map(fn, items))

    def _workers(self) -> int:
        return self.num_threads or os.cpu_count() or 1

    def _hangul_enabled(self, tess: Tesseract | None) -> bool:
        if self.hangul is False or tess is None:
            if self.hangul:
                raise EngineError("hangul=True needs Tesseract with 'kor' data installed")
            return False
        ok = tess.has_language("kor")
        if self.hangul and not ok:
            raise EngineError("hangul=True needs Tesseract 'kor' data (tesseract-ocr-kor)")
        return ok

    @property
    def model_version(self) -> str:
        tess = self._tesseract()
        parts = ["PP-OCRv6-small"]
        if tess is not None and self._hangul_enabled(tess):
            parts.append(f"tesseract-{tess.version}-kor")
        return f"ocr-loaders-local-{ENGINE_VERSION} ({', '.join(parts)})"

    # --- recognition -------------------------------------------------------------------------

    def recognize_page(self, page: DocPage, *, page_id: int = 0) -> Page:
        if self.use_text_layer:
            read = page.text_layer(page_id)
            if read is not None:
                if self.read_pictures:
                    read = with_pictures(page, read, self.recognize_image)
                return read
        return super().recognize_page(page, page_id=page_id)

    def recognize_image(self, image: Image.Image, *, page_id: int = 0) -> Page:
        with self._lock:
            self._pages_running += 1
        try:
            return self._recognize_image(image, page_id)
        finally:
            with self._lock:
                self._pages_running -= 1
                # the recogniser's outputs are views of its held buffers: handed back
                # only when no page of another thread may still be decoding one
                if self._pages_running == 0 and self._rapid is not None:
                    release_session(self._rapid.text_rec.session)
            if "openvino" in self.runtime_used.values():
                trim_heap()

    def _recognize_image(self, image: Image.Image, page_id: int) -> Page:
        rapid = self._load()
        tess = self._tesseract()
        if image.mode != "RGB":
            image = image.convert("RGB")
        folded = strips.fold(image)
        if folded is not None:  # a long strip: read it wrapped into rows, boxes mapped back
            return self._read_folded(rapid, tess, image, folded, page_id)
        width, height = image.size
        image, detected, turn = self._level(rapid, image)
        finish, suspicious = self._read_page(rapid, tess, image, detected)
        quarter = 0
        if suspicious and self.auto_rotate:
            # Mostly vertical boxes or a poor reading: maybe scanned sideways or upside down.
            turned, quarter = self._upright(rapid, image, detected, tess,
                                            columns=suspicious != SIDEWAYS_HANGUL)
            if quarter:
                base = image.size  # the page the quarter turn was made from
                image, detected, turn = self._level(rapid, turned)
                finish, _ = self._read_page(rapid, tess, image, detected)
        lines = finish()
        self._by_pixels(lines, image, tess)
        if turn is not None:
            for line in lines:
                line.quad = turn.to_original(line.quad)
                for piece in line.words:
                    piece.quad = turn.to_original(piece.quad)
        # lines are put in reading order upright; boxes go back to the given image's pixels
        # (a page read turned used to report the turned page's size and boxes, so boxes drawn
        # on the file it came from landed on other words)
        return _assemble_page(lines, width, height, page_id,
                              unturn=_unturn(quarter, *base) if quarter else None)

    def _level(
        self, rapid: Any, image: Image.Image
    ) -> tuple[Image.Image, tuple[np.ndarray, np.ndarray], deskew.Turn | None]:
        """The page to read, its detected lines, and the turn that made it level: when its
        lines slope by ``DESKEW_MIN_DEGREES`` or more (and ``deskew`` is on), the page turned
        level and detected again; otherwise the page as it is and no turn."""
        detected = _detected(rapid, image)
        boxes = detected[1]
        if not self.deskew or len(boxes) == 0:
            return image, detected, None
        slope = page_skew([LineResult(quad=[(float(x), float(y)) for x, y in b], text="",
                                      confidence=0.0) for b in boxes])
        if abs(slope) < deskew.DESKEW_MIN_DEGREES:
            return image, detected, None
        turn = deskew.turn_for(slope, image.width, image.height)
        level = turn.apply(image)
        return level, _detected(rapid, level), turn

    def _upright(self, rapid: Any, image: Image.Image, detected: tuple[np.ndarray, np.ndarray],
                 tess: Tesseract | None = None, columns: bool = True
                 ) -> tuple[Image.Image, int]:
        """The page turned by the quarter turn (0, 90, 180 or 270 degrees) under which the
        recogniser reads a sample of its longest lines best: a page scanned sideways or
        upside down reads as garbage, at low scores, in every other orientation.

        Tesseract's orientation detection (OSD) decided this before, on a 1200 px copy of the
        page: on 200-DPI A4 pages of ten-point text it was confident enough (3.0) in 3 of 15
        turned pages, and at that size it named the wrong quarter for sideways pages. It is
        asked now, on the whole page, only where the recogniser cannot tell: lines standing
        on end that read as well as any turn's (CJK in columns, or lying on its side).
        ``detected`` is the page's own detection, already made.
        """
        # ``columns=False``: the page's text is not written in columns (Korean lines that
        # stand on end): only turns whose lines lie level can be right
        here = _reading_score(rapid, detected) if columns else 0.0
        # (score, share of level lines, degrees, turned page, its detection)
        options: list[tuple[float, float, int, Image.Image, tuple[np.ndarray, np.ndarray]]] = []
        for degrees in ORIENTATIONS:
            turned = image.rotate(degrees, expand=True)  # quarter turns leave no empty corner
            found = _detected(rapid, turned)
            share = _level_share(found[1])
            if columns or share >= 0.5:
                options.append((_reading_score(rapid, found), share, degrees, turned, found))
        if not options:
            return image, 0
        top = max(score for score, *_ in options)
        if top <= here + ORIENTATION_MARGIN:
            if columns and tess is not None and _level_share(detected[1]) < 0.5:
                # lines standing on end that read about as well as any turn's: CJK written in
                # columns, or a CJK page lying on its side (PP-OCRv6 reads CJK on its side at
                # .96-.97, as well as columns); Tesseract's OSD looks at the glyphs
                told = tess.orientation(image)
                if told is not None and told[1] >= OSD_MIN_CONFIDENCE:
                    if told[0] == 0:
                        return image, 0
                    for _, _, degrees, turned, _ in options:
                        if degrees == told[0]:
                            return turned, degrees
            # PP-OCRv6 has no Hangul: a Korean page reads about as badly either way up (0.64
            # as it stood upside down, 0.72 turned), and lying on its side it reads as columns
            # of Han junk (0.745); Tesseract tells the page as it stands from its best turn
            # whose lines lie level
            level = [o for o in options if o[1] >= 0.5 and o[0] > here - ORIENTATION_TIE]
            if tess is not None and level:
                _, _, degrees, turned, found = max(level, key=lambda o: o[0])
                if _tesseract_reads_better(tess, found, detected):
                    return turned, degrees
            return image, 0
        # of the turns that read about as well, the one whose lines lie level: a Chinese page
        # upside down read 0.96 turned a quarter (its lines taken for columns) and 0.997
        # turned half, and was read as columns
        near = [o for o in options if o[0] >= top - ORIENTATION_TIE]
        _, _, degrees, turned, _ = max(near, key=lambda o: (o[1] >= 0.5, o[0]))
        return turned, degrees

    def _by_pixels(self, lines: list[LineResult], image: Image.Image,
                   tess: Tesseract | None) -> None:
        """The last look at the page's pixels, with ``lines`` in its coordinates: word boxes
        cut to their ink (``tight_boxes``) and quotes as printed (Tesseract ``eng``)."""
        gray: np.ndarray | None = None
        if self.tight_boxes:
            gray = np.asarray(image.convert("L"))
            for line in lines:
                tighten_line(gray, line)
        if tess is not None and tess.has_language("eng"):
            if gray is None and quotes.has_quotes(lines):  # else no grey image needed
                gray = np.asarray(image.convert("L"))
            if gray is not None:
                quotes.set_quotes(lines, gray, tess, self._map)

    def _read_folded(
        self, rapid: Any, tess: Tesseract | None, image: Image.Image, folded: strips.Folded,
        page_id: int,
    ) -> Page:
        lines = self._read_page(rapid, tess, folded.image)[0]()
        self._by_pixels(lines, folded.image, tess)
        for line in lines:
            line.quad = folded.unfold(line.quad)
            for piece in line.words:
                piece.quad = folded.unfold(piece.quad)
        return _assemble_page(lines, image.width, image.height, page_id)

    def _read_page(
        self, rapid: Any, tess: Tesseract | None, image: Image.Image,
        detected: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> tuple[Callable[[], list[LineResult]], int]:
        """Lines of one upright candidate page, and whether the page looks mis-oriented
        (``UPRIGHT``, ``TURNED`` or ``SIDEWAYS_HANGUL``).

        The lines come as a function that finishes them (stretched re-reads, Hanja, form
        marks), so that none of that work is spent on a page that is then turned and read
        again: on a sideways page nearly every line scores low and would be re-read.
        """
        bgr, found = detected if detected is not None else _detected(rapid, image)
        boxes, crops = _crops(bgr, found)
        if not crops:
            return list, UPRIGHT
        crops = _stood_up(rapid, boxes, crops)
        reader = LineReader(rapid, boxes, crops, max_lines=self.rec_batch_size,
                             budget=self.rec_batch_width, pool=self._rec_pool)
        use_hangul = tess is not None and self._hangul_enabled(tess)
        rects = [quad_rect(b) for b in boxes]
        tall = sum(1 for x0, y0, x1, y1 in rects if (y1 - y0) > 1.5 * (x1 - x0))
        if use_hangul and tess is not None:
            korean = self._korean_page(reader, tess)
            if korean is not None:
                # Tesseract finds Hangul in a Korean page lying sideways too (``_crops``
                # stands tall lines up): its lines standing on end say so, and Korean is
                # not written in columns
                on_end = len(crops) >= 3 and tall >= 0.5 * len(crops)
                return (lambda: self._korean_lines(reader, korean, bgr, tess),
                        SIDEWAYS_HANGUL if on_end else UPRIGHT)
        reader.read(range(len(crops)))
        scores = [reader.lines[i].confidence for i in range(len(crops))]
        korean_lines: list[tuple[LineResult, list[Piece]]] = []  # Tesseract's readings
        spliced_lines: list[tuple[LineResult, list[Piece]]] = []  # PP-OCRv6's, with Hangul
        is_japanese = japanese.is_japanese(line.text for line in reader.lines.values())
        pp_lines: list[int] = []
        for i in range(len(crops)):
            line = reader.lines[i]
            h, w = crops[i].shape[:2]
            if use_hangul and tess is not None and self._may_be_korean(line, w, h, is_japanese):
                alt = hangul.read_line(
                    tess, crops[i], line.quad, line.confidence < self.hangul_threshold,
                    hangul.MIXED_PAGE_LANG,
                )
                if (alt is not None and hangul.credible(alt[0])
                        and (not is_japanese or hangul.mostly_hangul(alt[0].text))
                        and hangul.prefer_tesseract(line, alt[0], self.hangul_threshold)):
                    korean_lines.append(mixedlines.tesseract_reading(line, alt))
                    continue
                if alt is not None and not is_japanese:
                    spliced = mixedlines.splice_hangul(line, alt)
                    if spliced is None:
                        # ``kor+eng`` read Hangul as Latin (``홍길동`` -> ``32S``): ``kor``
                        # on those pieces
                        patched = mixedlines.read_lookalikes(tess, bgr, line, alt)
                        spliced = (None if patched is None
                                   else mixedlines.splice_hangul(line, patched))
                    if spliced is not None:
                        spliced_lines.append(spliced)  # its Hangul, PP-OCRv6's Latin
                        continue
            pp_lines.append(i)

        def finish() -> list[LineResult]:
            lines = self._kept(reader, pp_lines, is_japanese)
            if korean_lines or spliced_lines:
                # Latin runs Tesseract ``kor+eng`` misread (``Hong`` -> ``1008``) read again;
                # spliced lines' Latin is PP-OCRv6's already
                # circles first: their signs are no Latin run to read again
                circled = circles.restore_circles(korean_lines + spliced_lines, bgr,
                                                  reader.plain)
                read = (self._latin(circled[:len(korean_lines)], reader, bgr)
                        + circled[len(korean_lines):])
                lines += _with_korean_marks(
                    hangul.restore_hanja(bullets.restore_bullets(read, bgr, reader.ideographs),
                                         bgr, reader.ideographs), bgr)
            if is_japanese and any(w.text.startswith("□") for ln in lines for w in ln.words):
                japanese.checkboxes(lines, darkest_channel(bgr))  # grey only for pages with boxes
            elif not is_japanese:
                lines = formboxes.add_checkboxes(lines, darkest_channel(bgr))
            return lines

        # a poor reading is a sign unless it is Hangul's (a Korean line or two on a page
        # PP-OCRv6 reads well; an upside-down Korean page had one line spliced)
        hangul_lines = len(korean_lines) + len(spliced_lines)
        suspicious = (len(crops) >= 3 and (
            tall >= 0.5 * len(crops)
            or (hangul_lines < 0.25 * len(crops) and float(np.mean(scores)) < 0.6)
            or _upside_down(self._rapid, crops)
        )) or (0 < len(crops) < 3 and tall == len(crops))
        # one or two lines, all tall: a label or a short note lying sideways (rapidocr turns
        # tall crops one way only, so half of them read as garbage); a vertical CJK column
        # reads as well upright and stays (``_upright`` needs a better reading to turn)
        return finish, TURNED if suspicious else UPRIGHT

    def _may_be_korean(self, line: LineResult, width: int, height: int,
                       japanese_page: bool) -> bool:
        """Whether PP-OCRv6's reading of a line suggests Hangul it could not read: the line
        needs re-reading (``hangul.needs_rereading``) or has doubtful ideographs; on a
        Japanese page, only a line without kana of its own (with kana, it is Japanese).

        Decided per line, so a Japanese page with Korean lines (a tourist leaflet) keeps
        them: a page-wide skip on pages with 10 kana lost them all. There a reading must also
        be mostly Hangul to replace PP-OCRv6's (``_read_page``): Tesseract ``kor`` turns form
        checkboxes and kanji into stray jamo and syllables. Measured on the 12 Japanese eval
        pages: 46 kana-less lines (3.8 a page: table cells of digits read at a low score, a
        lone ``年``, checkboxes, empty boxes) go to Tesseract, 6.3 calls and 0.08 s a page
        with the ``kor`` retries, and none is replaced.
        """
        if japanese_page and japanese.has_kana(line.text):
            return False
        return (hangul.needs_rereading(line, width, height, self.hangul_threshold)
                or hangul.doubtful_ideographs(line))

    def _kept(self, reader: LineReader, indices: list[int], japanese_page: bool
              ) -> list[LineResult]:
        """PP-OCRv6's final lines among ``indices``: doubtful ones read again stretched
        (after the Hangul decisions, which weigh the first reading), Japanese forms on a
        Japanese page (but not on its Simplified Chinese lines, ``japanese.is_chinese``),
        and lines still scored under ``min_line_score`` dropped as noise."""
        reader.read_stretched(indices)
        kept: list[LineResult] = []
        for i in indices:
            line = reader.lines[i]
            if japanese_page and not japanese.is_chinese(line.text):
                japanese.to_japanese(line)
            if line.text.strip() and line.confidence >= self.min_line_score:
                kept.append(line)
        return kept

    def _korean_lines(
        self, reader: LineReader, korean: list[tuple[LineResult, list[Piece]]],
        bgr: np.ndarray, tess: Tesseract,
    ) -> list[LineResult]:
        """Lines of a Korean page: Tesseract's Hangul lines, and PP-OCRv6 for the rest unless
        Tesseract's reading of a mixed line kept Hangul that PP-OCRv6 dropped (a line such as
        ``대법원 1987. 3. 10. 선고 86다카1114 판결`` is mostly digits; PP-OCRv6 reads the
        digits confidently and loses the words).

        A Tesseract reading that is not credible (``hangul.credible``) gives way to
        PP-OCRv6's when that reads the line confidently as CJK (``hangul.read_as_cjk``);
        otherwise a mostly-Hangul one is taken, as a credible one is. Before, the Chinese,
        Japanese and Hanja lines of mixed pages (a bilingual leaflet, a Korean deed with Hanja
        lines), which Tesseract reads as Hangul junk at 0.06-0.46, lost PP-OCRv6's good
        readings (``中华人民共和国...`` -> ``머수ㅅ보끄체퇴최...``). PP-OCRv6's lines get Japanese
        forms when they hold enough kana to be a Japanese page of their own.
        """
        rest = [i for i in range(len(reader.crops)) if i not in reader.korean]
        reader.read(rest)
        tess_lines = list(korean)
        pp_lines: list[int] = []
        for i in rest:
            line, mixed = reader.lines[i], reader.mixed.get(i)
            if mixed is not None and _number_cell(mixed[0], line):
                mixed = None
            if mixed is not None:
                mixed = mixedlines.with_english(tess, reader.crops[i], bgr, line, mixed)
            h, w = reader.crops[i].shape[:2]
            if mixed is None or (not hangul.credible(mixed[0]) and hangul.read_as_cjk(
                    line, w, h, self.hangul_threshold)):
                pp_lines.append(i)
            elif hangul.mostly_hangul(mixed[0].text) or hangul.prefer_tesseract(
                    line, mixed[0], self.hangul_threshold):
                tess_lines.append(mixedlines.tesseract_reading(line, mixed))
            elif (spliced := mixedlines.splice_hangul(line, mixed)) is not None:
                tess_lines.append(spliced)
            else:
                pp_lines.append(i)
        japanese_page = japanese.is_japanese(reader.lines[i].text for i in rest)
        read = bullets.restore_bullets(
            self._latin(circles.restore_circles(tess_lines, bgr, reader.plain), reader,
                        bgr), bgr, reader.ideographs)
        return _with_korean_marks(hangul.restore_hanja(read, bgr, reader.ideographs), bgr) + [
            mixedlines.won_cells(line) for line in self._kept(reader, pp_lines, japanese_page)]

    @staticmethod
    def _latin(lines: list[tuple[LineResult, list[Piece]]], reader: LineReader,
               bgr: np.ndarray) -> list[tuple[LineResult, list[Piece]]]:
        """Tesseract's lines with misread Latin runs read again by PP-OCRv6
        (``engines/latin.py``): ``kor`` on Korean pages has no Latin letters, and ``kor+eng``
        elsewhere still misreads some (``(Hong`` -> ``1008``, ``Total:`` -> ``70【31:``)."""
        return latin.restore_latin(lines, bgr, reader.quick, reader.plain)

    def _korean_page(
        self, reader: LineReader, tess: Tesseract
    ) -> list[tuple[LineResult, list[Piece]]] | None:
        """Tesseract readings of every Korean line when a sample says the page is Korean.

        A sample of the longest lines is read by PP-OCRv6; lines it cannot read are read by
        Tesseract. When enough of them turn out to be Hangul, the whole page is read by
        Tesseract first (PP-OCRv6 reads only the lines that are not Hangul): on a Korean page
        PP-OCRv6 confidently reads the digits of a mixed line and drops its Hangul.

        Only credible readings (``hangul.credible``) are taken here; the others are weighed
        against PP-OCRv6's reading of the line in ``_korean_lines``.
        """
        crops = reader.crops
        sample = sorted(range(len(crops)), key=lambda i: -crops[i].shape[1] / crops[i].shape[0])
        sample = sample[:KOREAN_SAMPLE]
        found: dict[int, tuple[LineResult, list[Piece]]] = {}
        # the widest lines first, as many as decide it: on a Korean page they are Hangul, and
        # the rest of the sample is read by Tesseract below, not by PP-OCRv6 as well (0.6 s a
        # page)
        first = KOREAN_SAMPLE_FOUND
        for part in (sample[:first], sample[first:]):
            reader.read(part)
            for i in part:
                line = reader.lines[i]
                h, w = crops[i].shape[:2]
                if hangul.needs_rereading(line, w, h, self.hangul_threshold):
                    alt = hangul.read_line(tess, crops[i], line.quad, True)
                    if (alt is not None and hangul.mostly_hangul(alt[0].text)
                            and hangul.credible(alt[0])):  # not a rule or logo read as Hangul
                        found[i] = alt
            if len(found) >= KOREAN_SAMPLE_FOUND:
                break
        if len(found) < KOREAN_SAMPLE_FOUND:
            return None
        rest = [i for i in range(len(crops)) if i not in found]
        readings = self._map(
            lambda i: hangul.read_line(tess, crops[i], reader.quad(i), False), rest
        )
        for i, alt in zip(rest, readings, strict=True):
            if alt is None:
                continue
            if hangul.mostly_hangul(alt[0].text) and hangul.credible(alt[0]):
                found[i] = alt
            elif hangul.some_hangul(alt[0]):
                # a court citation or a phone line's label (not noise with a stray syllable),
                # or a reading that is not credible: weighed against PP-OCRv6's
                # (``_korean_lines``)
                reader.mixed[i] = alt
        # a short number alone in a table cell that Tesseract read as a syllable or two
        # (``_number_cell``); the ones it doubts are weighed in ``_korean_lines``
        short = [i for i in rest if i in found and hangul.short_syllables(found[i][0].text)]
        reader.read(short)
        for i in short:
            if _number_cell(found[i][0], reader.lines[i]):
                del found[i]
        reader.korean = set(found)
        return [found[i] for i in sorted(found)]


# --- helpers ---------------------------------------------------------------------------------


def _number_cell(tess: LineResult, pp: LineResult) -> bool:
    """Whether a line is a short number alone (a table cell) that Tesseract read as one or
    two Hangul letters (``2`` -> ``디`` at 0.0, ``10`` -> ``프`` at 0.33, ``5`` -> ``대`` at 0.67
    on a Korean invoice) and PP-OCRv6, which has no Hangul, read as a number it is sure of."""
    return hangul.short_syllables(tess.text) and hangul.sure_number(pp)


def _with_korean_marks(lines: list[LineResult], bgr: np.ndarray) -> list[LineResult]:
    """Tesseract's Korean lines with Korean quotes, middle dots and lenticular brackets
    (``engines/marks.py``)."""
    looked_at = bool(lines)  # brackets, quotes and middle dots (``marks._middle_dot``)
    gray = darkest_channel(bgr) if looked_at else None  # dark in any channel is ink
    for line in lines:
        marks.fix_line(line, gray)
    return lines


def _try_tesseract(tessdata: str | None) -> Tesseract | None:
    try:
        path = tessdata or find_tessdata(("eng",))
        if path is None:
            return None
        return Tesseract(path)
    except MissingDependencyError:
        return None


def _reading_score(rapid: Any, detected: tuple[np.ndarray, np.ndarray]) -> float:
    """How well a page reads as it stands (its pixels and detected lines, ``_detected``): the
    recogniser's score of a sample of its widest lines, weighted by the characters read (0
    when none).

    A line taller than wide counts as read only when it reads as CJK: rapidocr turns such
    crops a quarter before reading them, so a Latin page lying sideways would read well in
    one of the two directions, but only CJK is written in columns (a page of vertical
    Japanese reads as well upright as turned, and stays upright: a turn must read better).
    Its characters count as unread otherwise: skipped, they left a sideways English invoice
    scored on the four digits of its few level boxes (1.0), and it was read sideways, as junk.
    """
    bgr, found = detected
    boxes, crops = _crops(bgr, found)
    # from the boxes on the page: the crops of tall boxes are already turned
    ratios = [float(np.ptp(b[:, 0])) / max(float(np.ptp(b[:, 1])), 1.0) for b in boxes]
    level = sorted((k for k, r in enumerate(ratios) if r >= 1.0), key=lambda k: -ratios[k])
    tall = sorted((k for k, r in enumerate(ratios) if r < 1.0), key=lambda k: ratios[k])
    sample = level[:ORIENTATION_SAMPLE] + tall[:ORIENTATION_SAMPLE]
    if not sample:
        return 0.0
    reader = LineReader(rapid, np.zeros((0, 4, 2), dtype=np.float32), [])
    readings = reader.plain([crops[k] for k in sample])
    weighted = total = 0.0
    for k, (text, score) in zip(sample, readings):
        chars = len("".join(text.split()))
        if ratios[k] >= 1.0 or len(CJK.findall(text)) >= 0.5 * chars:
            weighted += chars * score
        total += chars
    return weighted / total if total else 0.0


TESSERACT_TURN_MARGIN = 0.15
"""Mean Tesseract confidence by which a turned page must read better to be taken, where
PP-OCRv6's reading cannot tell (``_upright``)."""


def _tesseract_reads_better(tess: Tesseract, turned: tuple[np.ndarray, np.ndarray],
                            here: tuple[np.ndarray, np.ndarray]) -> bool:
    """Whether Tesseract ``kor+eng`` reads the widest lines of ``turned`` (a page and its
    detected lines) with a clearly higher mean confidence than those of ``here``."""

    def confidence(detected: tuple[np.ndarray, np.ndarray]) -> float:
        boxes, crops = _crops(*detected)
        order = sorted(range(len(crops)), key=lambda k: -crops[k].shape[1] / crops[k].shape[0])
        read = [hangul.read_line(tess, crops[k], [(float(x), float(y)) for x, y in boxes[k]],
                                 False, hangul.MIXED_PAGE_LANG) for k in order[:3]]
        scores = [r[0].confidence for r in read if r is not None]
        return float(np.mean(scores)) if scores else 0.0

    return confidence(turned) >= confidence(here) + TESSERACT_TURN_MARGIN


def _level_share(boxes: np.ndarray) -> float:
    """Share of detected lines that are wider than tall (0 without lines)."""
    if not len(boxes):
        return 0.0
    widths = np.ptp(boxes[:, :, 0], axis=1)
    heights = np.ptp(boxes[:, :, 1], axis=1)
    return float(np.mean(widths >= heights))


def _detected(rapid: Any, image: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """The page as BGR pixels and the quads of its text lines."""
    bgr = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
    return bgr, _detect(rapid, bgr)


def _detect(rapid: Any, bgr: np.ndarray) -> np.ndarray:
    from rapidocr.utils.process_img import map_boxes_to_original

    h, w = bgr.shape[:2]
    img, op_record = rapid.preprocess_img(bgr)
    det = rapid.text_det(img)
    if det.boxes is None or len(det.boxes) == 0:
        return np.zeros((0, 4, 2), dtype=np.float32)
    return np.asarray(map_boxes_to_original(det.boxes, op_record, h, w), dtype=np.float32)


UPSIDE_DOWN_PIECES = 24
"""Most pieces of the longest lines shown to the 0/180 classifier (``_upside_down``)."""


def _upside_down(rapid: Any, crops: list[np.ndarray]) -> bool:
    """Most of the longest lines look upside down to PP-OCR's 0/180 classifier.

    It is shown pieces four line heights long, the shape it was trained on: whole lines,
    squeezed into its 192 x 48 input, came out half "180" on an upright invoice and half "0"
    upside down (an upside-down English invoice was read as it stood, as junk); in pieces,
    35 of 35 sure votes were right on it, and on Chinese and Japanese pages.
    """
    sample = sorted(crops, key=lambda c: -c.shape[1] / c.shape[0])[:6]
    pieces = []
    for crop in sample:
        height, width = crop.shape[:2]
        step = 4 * height
        pieces += [crop[:, x:x + step] for x in range(0, max(width - step // 2, 1), step)]
    cls = rapid._load_cls_model()
    labels = [label for label, score in cls(pieces[:UPSIDE_DOWN_PIECES]).cls_res if score >= 0.9]
    turned = sum(1 for label in labels if label == "180")
    return turned >= max(2, 0.6 * len(labels))


def _stood_up(rapid: Any, boxes: np.ndarray, crops: list[np.ndarray]) -> list[np.ndarray]:
    """The crops with those of the page's few standing lines turned the right way up.

    rapidocr stands a tall line up by turning it a quarter counter-clockwise, which is
    right for text that reads top to bottom and upside down for text that reads bottom to
    top, as a journal's ``Downloaded from ...`` line in the margin does (read as junk,
    ``1202 AeW ZT uo ...``, and sent to Tesseract as Hangul). Each such crop is shown in
    pieces to the 0/180 classifier (``_upside_down``) and turned when most sure votes say
    180. Only on a page of level lines: where most lines stand, the page itself lies on its
    side and is turned whole (``_read_page``).
    """
    rects = [quad_rect(b) for b in boxes]
    standing = [k for k, (x0, y0, x1, y1) in enumerate(rects)
                if (y1 - y0) >= 1.5 * (x1 - x0) and crops[k].shape[1] >= 4 * crops[k].shape[0]]
    if not standing or len(standing) >= 0.5 * len(crops):
        return crops
    out = list(crops)
    for k in standing:
        if _upside_down(rapid, [crops[k]]):
            out[k] = np.ascontiguousarray(crops[k][::-1, ::-1])
    return out


def _crops(bgr: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Perspective crops of the detected quads, dropping degenerate ones."""
    from rapidocr.utils.process_img import get_rotate_crop_image

    crops = [get_rotate_crop_image(bgr, copy.deepcopy(b)) for b in boxes]
    keep = [i for i, c in enumerate(crops) if c.size > 0 and min(c.shape[:2]) >= 2]
    return boxes[keep], [crops[i] for i in keep]


def _unturn(degrees: int, width: int, height: int) -> Callable[[Quad], Quad]:
    """Maps a quad of the page turned ``degrees`` counter-clockwise (``Image.rotate`` with
    ``expand``) back to the ``width`` x ``height`` page it was turned from. The corners keep
    their order (top-left of the text first), so a sideways word's quad starts at the corner
    its text starts at."""
    def back(x: float, y: float) -> tuple[float, float]:
        if degrees == 90:
            return width - y, x
        if degrees == 180:
            return width - x, height - y
        return y, height - x  # 270

    return lambda quad: [back(float(x), float(y)) for x, y in quad]


def _assemble_page(lines: Sequence[LineResult], width: int, height: int, page_id: int,
                   unturn: Callable[[Quad], Quad] | None = None) -> Page:
    """The page in reading order (of the lines as read); with ``unturn``, boxes mapped from
    the turned page they were read on back to the given one."""
    words: list[Word] = []
    text_lines: list[str] = []
    for row in reading_order(lines):
        text_lines.append(" ".join(line.text for line in row))
        for line in row:
            for piece in words_of_text(line):
                quad = piece.quad if unturn is None else unturn(piece.quad)
                words.append(
                    Word(
                        bounding_box=BoundingBox.from_points(_clip(quad, width, height)),
                        confidence=round(min(max(piece.confidence, 0.0), 1.0), 6),
                        id=len(words),
                        text=piece.text,
                    )
                )
    confidence = sum(w.confidence for w in words) / len(words) if words else 0.0
    return Page(
        confidence=confidence,
        height=height,
        id=page_id,
        text="\n".join(text_lines),
        width=width,
        words=words,
    )


def _clip(quad: Sequence[Sequence[float]], width: int, height: int) -> list[tuple[float, float]]:
    return [(min(max(p[0], 0.0), width), min(max(p[1], 0.0), height)) for p in quad]
