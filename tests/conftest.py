from __future__ import annotations

import pytest

from tests import docgen


def _amx_bfloat16() -> bool:
    """Whether the engine runs its models in bfloat16 on AMX (Intel Sapphire Rapids and
    later): OpenVINO's AMX kernels sum in another order than its AVX512-BF16 ones, and a few
    close readings the tests pin down (set on AVX512-BF16 and float32 hosts) come out the
    other way there."""
    from ocr_loaders.engines.runtime import openvino_bf16

    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            amx = "amx_bf16" in cpuinfo.read()
    except OSError:
        return False
    return amx and openvino_bf16()


AMX_BF16 = pytest.mark.xfail(
    _amx_bfloat16(), strict=False,
    reason="known gap on AMX bfloat16 (2026-12-07): a close reading goes the other way there "
           "(ONNX Runtime float32 on the same host passes); README, Embedded engine")
"""For tests of close readings that fail on AMX bfloat16 only (see ``_amx_bfloat16``)."""


@pytest.fixture(scope="session")
def engine():
    from ocr_loaders.engines.local import LocalEngine

    return LocalEngine()


ENGLISH = ["Quarterly report 2024", "Revenue grew by 12 percent"]
KOREAN = ["대한민국 법원 판결문", "원고의 청구를 기각한다"]
JAPANESE = ["日本語のテキスト認識", "東京都千代田区"]
HANJA = ["大韓民國 法院", "中文教科书第一章"]


@pytest.fixture(scope="session")
def english_png() -> bytes:
    return docgen.image_bytes(docgen.render_lines(ENGLISH), "PNG")


from tests.serverutil import SECRET as SERVER_KEY  # noqa: E402


@pytest.fixture(scope="session")
def tiny_png() -> bytes:
    """A small one-line page: fast to OCR, for load tests."""
    return docgen.image_bytes(docgen.render_lines(["Hello world"], size=28, width=320), "PNG")


@pytest.fixture(scope="session")
def ocr_server(engine):
    """Our API-compatible server with the real embedded engine and a Bearer key, on 127.0.0.1."""
    pytest.importorskip("fastapi")
    from ocr_loaders.server import create_app
    from tests.serverutil import running

    with running(create_app(engine, api_key=SERVER_KEY, max_workers=2, max_queue=64)) as url:
        yield url


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Say how many hostile inputs and faults the reliability tests ran (issue: figures)."""
    from tests.hostile import TALLY

    if TALLY:
        parts = ", ".join(f"{name} {count}" for name, count in sorted(TALLY.items()))
        terminalreporter.write_line(f"reliability cases run: {sum(TALLY.values())} ({parts})")
