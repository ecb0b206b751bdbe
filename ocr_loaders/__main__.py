"""``python -m ocr_loaders``: the ``ocr-loaders`` command."""

import sys

from ocr_loaders.cli import main

sys.exit(main())
