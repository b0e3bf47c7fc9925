"""Load on the embedded default and on the distributed set-up, on one machine, in one report.

A bounded run (a fixed number of jobs, fixed fetch duration, loopback only) of each set-up, the way a client
meets it, through the API:
- embedded: `songforge serve` with its defaults (SQLite, local files, job threads in the server);
- distributed: one API node and two `songforge worker` processes on real PostgreSQL, Redis (Celery) and an
  S3-compatible server (moto), as README "Running on several machines" describes (tests/integration/fleet.py).

Each run submits `--jobs` tasks (lyrics, and one in five an upload of a short WAV) from `--clients` threads, each
with a webhook; then polls single and batch fetches for `--fetch-seconds`; then waits for every job. Reported per
set-up: submit and fetch latency p50/p99 and request throughput, job throughput (jobs finished per second from
the first submit to the last finish), and lost (never finished) and duplicated (a SUCCESS webhook delivered more
than once) task counts, which must be 0. Ratios distributed/embedded compare the two within this run.
Writes bench/results/load.json.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reports import write_report
from tests.integration.fleet import Fleet
from tests.integration.server_process import ServerProcess
from tests.integration.webhook_receiver import webhook_receiver

FINISHED = ("SUCCESS", "FAILURE")
UPLOAD_EVERY = 5  # one job in five is an upload; the rest are lyrics
BATCH = 100


def short_wav(index: int) -> bytes:
    sample_rate = 22050
    t = np.arange(sample_rate) / sample_rate
    tone = (0.3 * np.sin(2 * np.pi * (200 + index) * t)).astype(np.float32)
    buffer = io.BytesIO()
    soundfile.write(buffer, tone, sample_rate, format="WAV")
    return buffer.getvalue()


def percentiles(seconds: list[float]) -> dict[str, float]:
    if not seconds:
        return {"p50_ms": 0.0, "p99_ms": 0.0}
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p99_ms": round(p99 * 1000, 2)}


def timed(send: Callable[..., httpx.Response], path: str, **request: Any) -> float:
    """Seconds one request took; a non-200 answer stops the benchmark (it would flatter the numbers)."""
    started = time.perf_counter()
    response = send(path, **request)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url} answered {response.status_code}: {response.text[:300]}")
    return elapsed


def drive(base_url: str, key: str, jobs: int, clients: int, fetch_seconds: float, deadline_s: float) -> dict[str, Any]:
    """Submit, poll and wait on one running set-up; its measurements."""
    headers = {"Authorization": f"Bearer {key}"}
    with webhook_receiver() as hooks, httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        ids: list[str] = [""] * jobs

        def submit(index: int) -> float:
            def call() -> httpx.Response:
                if index % UPLOAD_EVERY == 0:
                    files = {"file": (f"take-{index}.wav", short_wav(index), "audio/wav")}
                    return client.post("/suno/uploads/audio", files=files, data={"notify_hook": hooks.url})
                return client.post(
                    "/suno/submit/lyrics", json={"prompt": f"load test {index}", "notify_hook": hooks.url}
                )

            started = time.perf_counter()
            response = call()
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"submit {index} answered {response.status_code}: {response.text[:300]}")
            ids[index] = response.json()["data"]
            return elapsed

        first_submit = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            submit_latencies = list(pool.map(submit, range(jobs)))
        submit_seconds = time.perf_counter() - first_submit

        fetch_latencies: list[float] = []
        batch_latencies: list[float] = []
        stop_at = time.perf_counter() + fetch_seconds

        def poll(worker: int) -> None:
            turn = worker
            while time.perf_counter() < stop_at:
                if turn % 2 == 0:
                    task_id = ids[turn % jobs]
                    fetch_latencies.append(timed(client.get, f"/suno/fetch/{task_id}"))
                else:
                    batch = [ids[(turn + offset) % jobs] for offset in range(min(BATCH, jobs))]
                    batch_latencies.append(timed(client.post, "/suno/fetch", json={"ids": batch}))
                turn += clients

        fetch_started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(poll, range(clients)))
        fetch_elapsed = time.perf_counter() - fetch_started

        finished_at = time.perf_counter()
        give_up = time.perf_counter() + deadline_s
        statuses: dict[str, str] = {}
        while time.perf_counter() < give_up:
            statuses = {}
            for start in range(0, jobs, 1000):
                for task in client.post("/suno/fetch", json={"ids": ids[start : start + 1000]}).json()["data"]:
                    statuses[task["task_id"]] = task["status"]
            if all(status in FINISHED for status in statuses.values()):
                finished_at = time.perf_counter()
                break
            time.sleep(0.25)
        # Webhooks trail the last SUCCESS by a delivery; give them a moment before counting.
        time.sleep(2.0)
        successes = {task_id: hooks.count(task_id, "SUCCESS") for task_id in ids}

    succeeded = [task_id for task_id in ids if statuses.get(task_id) == "SUCCESS"]
    return {
        "jobs": jobs,
        "clients": clients,
        "submit": {
            **percentiles(submit_latencies),
            "requests_per_s": round(jobs / submit_seconds, 1),
        },
        "fetch_one": {
            **percentiles(fetch_latencies),
            "requests_per_s": round(len(fetch_latencies) / fetch_elapsed, 1),
        },
        "fetch_batch_100": {
            **percentiles(batch_latencies),
            "requests_per_s": round(len(batch_latencies) / fetch_elapsed, 1),
        },
        "job_throughput_per_s": round(len(succeeded) / (finished_at - first_submit), 2),
        "succeeded": len(succeeded),
        "failed": sum(status == "FAILURE" for status in statuses.values()),
        "lost": sum(statuses.get(task_id) not in FINISHED for task_id in ids),
        "duplicated": sum(count > 1 for count in successes.values()),
        "success_webhooks_missing": sum(successes.get(task_id, 0) == 0 for task_id in succeeded),
    }


def run_embedded(workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    server = ServerProcess(
        workdir / "embedded",
        SONGFORGE_RATE_LIMIT="1000000/minute",
        SONGFORGE_MAX_CONCURRENT_TASKS_PER_KEY="100000",
        SONGFORGE_ALLOW_PRIVATE_URLS="true",
    )
    server.start(timeout=120)
    try:
        assert server.admin_key
        return drive(server.base_url, server.admin_key, args.jobs, args.clients, args.fetch_seconds, args.deadline)
    finally:
        server.stop()


def run_distributed(workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    fleet = Fleet(workdir / "distributed", workers=2, concurrency=1, SONGFORGE_LEASE_SECONDS="30")
    fleet.start()
    try:
        assert fleet.api is not None and fleet.api.admin_key
        return drive(
            fleet.api.base_url, fleet.api.admin_key, args.jobs, args.clients, args.fetch_seconds, args.deadline
        )
    finally:
        fleet.stop()


def ratio(distributed: float, embedded: float) -> float | None:
    return round(distributed / embedded, 2) if embedded else None


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=200, help="tasks submitted per set-up")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--fetch-seconds", type=float, default=10.0, help="how long fetches are driven")
    parser.add_argument("--deadline", type=float, default=600.0, help="seconds to wait for the jobs to finish")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "load.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="songforge-load-") as temporary:
        workdir = Path(temporary)
        embedded = run_embedded(workdir, args)
        distributed = run_distributed(workdir, args)
    report = {
        "benchmark": "load",
        "machine": {"cpus": os.cpu_count()},
        "embedded": embedded,
        "distributed": distributed,
        "distributed_over_embedded": {
            "submit_p50": ratio(distributed["submit"]["p50_ms"], embedded["submit"]["p50_ms"]),
            "fetch_one_p50": ratio(distributed["fetch_one"]["p50_ms"], embedded["fetch_one"]["p50_ms"]),
            "fetch_batch_100_p50": ratio(
                distributed["fetch_batch_100"]["p50_ms"], embedded["fetch_batch_100"]["p50_ms"]
            ),
            "job_throughput": ratio(distributed["job_throughput_per_s"], embedded["job_throughput_per_s"]),
        },
    }
    write_report(report, args.out)
    return report


if __name__ == "__main__":
    main()
