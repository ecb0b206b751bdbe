"""Load on the self-hosted server: many requests, several at a time, good and hostile documents
mixed; every answer checked, the server's memory, descriptors, temp files and child processes
watched.

Starts ``ocr-loaders serve`` (the real CLI, embedded engine) in a subprocess with its own TMPDIR,
then sends ``--requests`` requests ``--concurrency`` at a time, cycling through the hostile
corpus of ``tests/hostile.py`` (valid files of every format, odd images, a 400-page PDF, zip
bombs, truncated and random files, a file over 50 MB, ...) plus requests with a wrong key.
Each answer must have the expected status (200 with the expected pages, or the typed error).

Usage::

    python benchmarks/bench_load.py [--requests 200] [--concurrency 8] [--workers 2] [--queue 16]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import hostile  # noqa: E402
from tests.serverutil import free_port  # noqa: E402

KEY = "bench-load-key-0123"


def start_server(port: int, workers: int, queue: int, tmpdir: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TMPDIR": tmpdir, "OCR_LOADERS_API_KEY": KEY}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ocr_loaders.cli", "serve", "--port", str(port),
         "--workers", str(workers), "--queue", str(queue)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


class Sampler(threading.Thread):
    """Samples the server's RSS (with children) every 0.2 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.samples: list[tuple[float, int]] = []
        self.stop = threading.Event()

    def rss(self) -> int:
        procs = [self.proc, *self.proc.children(recursive=True)]
        total = 0
        for p in procs:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total

    def run(self) -> None:
        while not self.stop.is_set():
            self.samples.append((time.monotonic(), self.rss()))
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue", type=int, default=16)
    args = parser.parse_args()

    cases = hostile.cases()
    valid = next(c for c in cases if c.name == "png_valid")
    for case in cases:
        case.data()  # build the corpus before timing
    plan = [(cases[i % (len(cases) + 1)] if i % (len(cases) + 1) < len(cases) else None)
            for i in range(args.requests)]  # None: a valid file with a wrong key
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1/document-ai/ocr"
    with tempfile.TemporaryDirectory() as tmpdir:
        server = start_server(port, args.workers, args.queue, tmpdir)
        proc = psutil.Process(server.pid)
        warm = requests.post(url, headers={"Authorization": f"Bearer {KEY}"}, timeout=120,
                             files={"document": ("w.png", valid.data())})
        assert warm.status_code == 200, warm.text
        rss_start = Sampler(server.pid).rss()
        # files that exist once the server is up (onnxruntime writes a telemetry session id,
        # TMPDIR/.ses, at import: onnxruntime#32476) are not the run's leftovers
        tmp_start = set(os.listdir(tmpdir))
        fds_start = proc.num_fds()
        sampler = Sampler(server.pid)
        sampler.start()
        session = threading.local()

        def send(case: hostile.Case | None) -> tuple[str, int, int, float]:
            if not hasattr(session, "s"):
                session.s = requests.Session()
            good = valid if case is None else case
            key = "wrong-key" if case is None else KEY
            started = time.monotonic()
            resp = session.s.post(url, headers={"Authorization": f"Bearer {key}"}, timeout=600,
                                  files={"document": (f"f{good.suffix}", good.data())})
            took = time.monotonic() - started
            expected = 401 if case is None else hostile.http_status(case)
            if resp.status_code == 200 and case and len(resp.json()["pages"]) != case.pages:
                expected = -1  # wrong page count: counted as a mismatch
            name = "wrong_key" if case is None else case.name
            return name, expected, resp.status_code, took

        started = time.monotonic()
        with ThreadPoolExecutor(args.concurrency) as pool:
            results = list(pool.map(send, plan))
        wall = time.monotonic() - started
        sampler.stop.set()
        sampler.join()
        time.sleep(1.0)
        rss_end = sampler.rss()
        fds_end = proc.num_fds()
        children = [p.name() for p in proc.children(recursive=True)]
        leftovers = sorted(set(os.listdir(tmpdir)) - tmp_start)
        server.terminate()
        server.wait(timeout=30)

    ok = [r for r in results if r[1] == 200]
    bad = [r for r in results if r[1] != 200]
    mismatches = [r for r in results if r[1] != r[2]]
    peak = max(s for _, s in sampler.samples)
    quarters = [sampler.samples[min(len(sampler.samples) * q // 4, len(sampler.samples) - 1)][1]
                for q in (1, 2, 3)]

    def pct(values: list[float], q: float) -> float:
        values = sorted(values)
        return values[min(int(q * len(values)), len(values) - 1)]

    print(f"{len(results)} requests, {args.concurrency} at a time, server with "
          f"{args.workers} OCR workers and a queue of {args.queue}; {len(cases)} corpus cases + "
          f"wrong-key requests\n")
    print("| | requests | wrong status | p50 s | p95 s | max s |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, group in (("good documents (200)", ok), ("bad documents and keys (4xx)", bad)):
        times = [r[3] for r in group]
        wrong = sum(1 for r in group if r[1] != r[2])
        print(f"| {label} | {len(group)} | {wrong} | {statistics.median(times):.2f} | "
              f"{pct(times, 0.95):.2f} | {max(times):.2f} |")
    print(f"\nwall {wall:.1f} s, {len(results) / wall:.2f} requests/s")
    print(f"server RSS (MB): {rss_start / 2**20:.0f} after warm-up; "
          + ", ".join(f"{v / 2**20:.0f} at {q}/4" for q, v in enumerate(quarters, 1))
          + f" of the run; peak {peak / 2**20:.0f}; {rss_end / 2**20:.0f} at the end")
    print(f"server file descriptors: {fds_start} before, {fds_end} after; child processes left: "
          f"{children or 'none'}; temp files left: {leftovers or 'none'}")
    for name, expected, got, _ in mismatches:
        print(f"MISMATCH {name}: expected {expected}, got {got}")
    if mismatches or leftovers:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
