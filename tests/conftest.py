from __future__ import annotations

import pytest

from tests import docgen


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
