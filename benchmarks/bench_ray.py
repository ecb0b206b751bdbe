"""Corpus throughput on Ray: pages/s with 1 and 2 actors, next to one process without Ray.

Pages come from ``../shared/eval`` (linked into a temporary folder, never copied into the
project). Each configuration writes a fresh Parquet output; the wall time includes starting the
actors (each loads the engine once), as a real run does. Each configuration also runs on a 2-page
corpus, so the fixed cost of a run (actors, engine loads) and the marginal cost per page are
reported apart; a 1-page run first starts Ray's worker processes (reported too). From the best
marginal cost the script prints the arithmetic for a large corpus: node-hours for 1M pages and the
wall time on N nodes of the same size (the fixed cost is paid once per run, negligible there).

Usage::

    python benchmarks/bench_ray.py [--eval ../shared/eval] [--datasets en_funsd,en_sroie]
                                   [--pages 24] [--corpus-pages 1000000] [--nodes 1,10,100]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def pick_pages(eval_dir: Path, datasets: list[str], count: int) -> list[Path]:
    """``count`` pages taken round-robin from the datasets (sorted, reproducible)."""
    pools = [sorted(p for p in (eval_dir / d).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
             for d in datasets]
    picked: list[Path] = []
    while len(picked) < count and any(pools):
        for pool in pools:
            if pool and len(picked) < count:
                picked.append(pool.pop(0))
    return picked


def link(pages: list[Path], folder: Path) -> Path:
    folder.mkdir()
    for page in pages:
        (folder / page.name).symlink_to(page.resolve())
    return folder


def one_process(folder: Path, threads: int) -> float:
    """Seconds for the same pages in one process, one engine, no Ray."""
    from ocr_loaders.engines.local import LocalEngine
    from ocr_loaders.loading import PageLoader

    started = time.perf_counter()
    loader = PageLoader(engine=LocalEngine(num_threads=threads), show_progress=False)
    pages = sum(1 for _ in loader.iter_files(str(folder)))
    assert pages, "no pages recognised"
    return time.perf_counter() - started


def on_ray(folder: Path, out: Path, actors: int, cpus: float) -> tuple[float, int]:
    from ocr_loaders.ray import run

    report = run(str(folder), str(out), concurrency=actors, num_cpus=cpus)
    assert report.errors == 0, report.failed
    return report.seconds, report.pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", default=str(Path(__file__).resolve().parents[2] / "shared"
                                              / "eval"))
    parser.add_argument("--datasets", default="en_funsd,en_sroie")
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--corpus-pages", type=int, default=1_000_000)
    parser.add_argument("--nodes", default="1,10,100")
    args = parser.parse_args()

    import ray

    cpus = os.cpu_count() or 1
    pages = pick_pages(Path(args.eval), args.datasets.split(","), args.pages)
    n, m = len(pages), 2
    rows: list[tuple[str, float, float]] = []  # name, wall on n pages, wall on m pages
    with tempfile.TemporaryDirectory() as tmp:
        big, small = link(pages, Path(tmp) / "big"), link(pages[:m], Path(tmp) / "small")
        rows.append((f"one process, {cpus} threads, no Ray", one_process(big, cpus),
                     one_process(small, cpus)))
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
        started = time.perf_counter()  # the first run pays for starting Ray's workers
        on_ray(link(pages[:1], Path(tmp) / "warm"), Path(tmp) / "warm-out", 1, 1.0)
        cold = time.perf_counter() - started
        configs = [(1, float(cpus)), (cpus, 1.0)] if cpus > 1 else [(1, 1.0)]
        for actors, per_actor in configs:
            walls = []
            for folder, count in ((small, m), (big, n)):
                seconds, done = on_ray(folder, Path(tmp) / f"out{actors}-{count}", actors,
                                       per_actor)
                assert done == count
                walls.append(seconds)
            rows.append((f"Ray, {actors} actor(s) x {per_actor:g} CPU", walls[1], walls[0]))
        ray.shutdown()

    base = (rows[0][1] - rows[0][2]) / (n - m)
    print(f"\n{n} pages from {args.datasets} on {cpus} CPUs (marginal: ({n} pages - {m} pages)"
          f" / {n - m}; fixed: the rest of a run)\n")
    print("| configuration | wall s | pages/s | marginal s/page | fixed s per run "
          "| marginal speed vs one process |")
    print("|---|---:|---:|---:|---:|---:|")
    marginals = []
    for name, wall, wall_small in rows:
        marginal = (wall - wall_small) / (n - m)
        marginals.append(marginal)
        print(f"| {name} | {wall:.1f} | {n / wall:.2f} | {marginal:.2f} | "
              f"{wall - marginal * n:.1f} | {base / marginal:.2f}x |")
    print(f"\nfirst Ray run of a session (1 page; starts Ray's worker processes): {cold:.1f} s")
    per_page = min(marginals[1:])  # one node of this size, all its CPUs busy
    node_hours = args.corpus_pages * per_page / 3600
    print(f"\n{args.corpus_pages:,} pages at {per_page:.2f} s/page per {cpus}-CPU node "
          f"= {node_hours:,.0f} node-hours ({node_hours * cpus:,.0f} CPU-hours)")
    for nodes in (int(x) for x in args.nodes.split(",")):
        hours = node_hours / nodes
        print(f"  on {nodes:>4} nodes: {hours:,.1f} h ({hours / 24:,.1f} days)")


if __name__ == "__main__":
    main()
