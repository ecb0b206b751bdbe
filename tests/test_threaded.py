"""The async bridge both adapters use: a blocking page iterator driven from a worker thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

from ocr_loaders.loading import threaded


def test_stopping_early_closes_the_iterator_off_the_event_loop() -> None:
    cleanup: list[threading.Thread] = []
    loop_thread: list[threading.Thread] = []

    def pages() -> Iterator[int]:
        try:
            yield from range(10)
        finally:  # what a loader's generator does: let its files and engine threads go
            cleanup.append(threading.current_thread())

    async def main() -> list[int]:
        loop_thread.append(threading.current_thread())
        agen = threaded(pages())
        got = [await agen.__anext__(), await agen.__anext__()]
        await agen.aclose()
        return got

    assert asyncio.run(main()) == [0, 1]
    assert len(cleanup) == 1 and cleanup[0] is not loop_thread[0]


def test_every_item_in_order() -> None:
    async def main() -> list[int]:
        return [i async for i in threaded(iter(range(5)))]

    assert asyncio.run(main()) == [0, 1, 2, 3, 4]
