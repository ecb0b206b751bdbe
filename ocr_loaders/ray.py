"""OCR a whole corpus on Ray Data: files -> page tasks -> an actor pool -> Parquet / JSONL.

Each actor loads its engine once and recognises page tasks; a failed file becomes a row with
its typed error instead of failing the job. Re-running into the same output skips files whose
content hash is already there (a new or changed file is processed; failed files are retried).
Without a cluster address, a local Ray is started on this machine.

    from ocr_loaders.ray import run
    run("scans/", "out/", concurrency=2)          # or "s3://bucket/scans", ray_address="auto"

Needs ``pip install "ocr-loaders[ray]"``.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

from ocr_loaders import batch
from ocr_loaders.inputs import DEFAULT_LIMITS, Limits

try:
    import ray
    import ray.data
    from ray.data.datasource import BlockBasedFileDatasink
except ImportError as exc:  # pragma: no cover - only without the extra
    raise ImportError('ocr_loaders.ray needs Ray: pip install "ocr-loaders[ray]"') from exc


@dataclass
class BatchReport:
    """What a run did: files seen, skipped as already done, page rows and error rows written."""

    files: int
    skipped: int
    pages: int
    errors: int
    output: str
    failed: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for people: what was done, where, how fast."""
        rate = f", {self.pages / self.seconds:.2f} pages/s" if self.seconds and self.pages else ""
        return (f"{self.files} files: {self.pages} pages written, {self.errors} failed, "
                f"{self.skipped} already done -> {self.output} ({self.seconds:.1f} s{rate})")


class _JSONLines(BlockBasedFileDatasink):
    """JSON Lines files written with ``json.dumps``: Ray's ``write_json`` goes through
    pandas, which writes floats with 10 significant digits (a page's confidence
    ``0.9468854285714287`` came back ``0.9468854286``, unlike the loaders' and the
    Parquet output's)."""

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path, file_format="jsonl", **kwargs)

    def write_block_to_file(self, block: Any, file: Any) -> None:
        for row in block.to_arrow().to_pylist():
            # NaN or infinity (a server's odd confidence) is no JSON: null, as pandas wrote
            row = {k: None if isinstance(v, float) and not math.isfinite(v) else v
                   for k, v in row.items()}
            file.write(json.dumps(row, ensure_ascii=False, allow_nan=False).encode("utf-8")
                       + b"\n")


class _Recognizer:
    """A Ray actor: one engine, reused for every page task it gets."""

    def __init__(self, engine: str, engine_options: dict[str, Any], cache: Any,
                 limits: dict[str, Any]) -> None:
        from ocr_loaders.engines import get_engine

        self.engine = get_engine(engine, cache=cache, **engine_options)
        self.limits = Limits(**limits)

    def __call__(self, tasks: Any) -> Any:
        rows: list[dict[str, Any]] = []
        for task in tasks.to_pylist():
            rows.extend(batch.recognize_task(self.engine, task, limits=self.limits))
        return batch.to_table(rows)


class _Expander:
    """Files -> page tasks, skipping contents already in the output."""

    def __init__(self, done: set[str], limits: dict[str, Any]) -> None:
        self.done = done
        self.limits = Limits(**limits)

    def __call__(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        return [batch.normalise(t)
                for t in batch.expand(row["source"], done=self.done, limits=self.limits)]


def run(
    input_uri: str,
    output_uri: str,
    *,
    output_format: str = "parquet",
    engine: str = "local",
    engine_options: dict[str, Any] | None = None,
    concurrency: int | None = None,
    num_cpus: float = 1.0,
    ray_address: str | None = None,
    cache: Any = None,
    limits: Limits = DEFAULT_LIMITS,
) -> BatchReport:
    """Recognise every supported file under ``input_uri`` into ``output_uri``.

    ``concurrency``: actors (default: the cluster's CPUs / ``num_cpus``); ``num_cpus``: CPUs
    per actor (the local engine uses that many threads).
    """
    if output_format not in ("parquet", "jsonl"):
        raise ValueError("output_format must be 'parquet' or 'jsonl'")
    if not ray.is_initialized():
        if ray_address:
            ray.init(address=ray_address)
        else:
            ray.init(num_cpus=os.cpu_count() or 1)
    started = time.perf_counter()
    files = batch.list_files(input_uri)
    if not files:
        return BatchReport(files=0, skipped=0, pages=0, errors=0, output=output_uri)
    done = batch.done_hashes(output_uri)
    options = dict(engine_options or {})
    if engine == "local":
        options.setdefault("num_threads", max(int(num_cpus), 1))
    actors = concurrency or max(int(ray.cluster_resources().get("CPU", 1) // num_cpus), 1)
    limits_dict = limits.model_dump()
    before = set(batch.output_files(output_uri))

    tasks = ray.data.from_items([{"source": f} for f in files], override_num_blocks=max(
        min(len(files), 200), 1)).flat_map(
        _Expander(done, limits_dict), num_cpus=0  # light I/O; the actors hold the CPUs
    ).materialize()  # all page tasks first (small rows), so the actors never wait for work
    rows = tasks.map_batches(
        _Recognizer,
        fn_constructor_kwargs={"engine": engine, "engine_options": options, "cache": cache,
                               "limits": limits_dict},
        compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=num_cpus, batch_size=1,
        batch_format="pyarrow",
    )
    filesys, path = batch.filesystem(output_uri)
    if output_format == "parquet":
        rows.write_parquet(path, filesystem=filesys, ray_remote_args={"num_cpus": 0})
    else:
        rows.write_datasink(_JSONLines(path, filesystem=filesys),
                            ray_remote_args={"num_cpus": 0})
    written = [f for f in batch.output_files(output_uri) if f not in before]
    summary = list(batch.read_rows(output_uri, written))
    errors = [r for r in summary if r["error_type"]]
    return BatchReport(
        files=len(files), skipped=len(files) - len({r["source"] for r in summary}),
        pages=len(summary) - len(errors), errors=len(errors), output=output_uri,
        seconds=time.perf_counter() - started,
        failed=[{"source": e["source"], "error_type": e["error_type"], "error": e["error"]}
                for e in errors],
    )
