"""API latency and throughput under 64 concurrent clients, beside /healthz as the ceiling, in one run.

Starts `songforge serve --processes N` (default: one HTTP process per core) as a real process on a
fresh data dir, fills it with 100 real tasks (lyrics and uploads, made through the API), then drives
it with wrk (C, so the load generator costs little of the 2 cores): GET /healthz, GET /suno/fetch/{id}
and POST /suno/fetch with 100 ids; then adds 900 more lyrics tasks and drives POST /suno/fetch with 1000 ids
(new-api polls a channel's unfinished tasks in one call, up to 1000), under load and from one client alone.
Prints one JSON report and writes it to bench/results/api.json.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reports import write_report
from tests.conftest import write_wav
from tests.integration.server_process import ServerProcess

TASKS = 100
LYRICS_TASKS = 50
BIG_BATCH = 1000


def make_tasks(server: ServerProcess, key: str, workdir: Path, count: int = TASKS, first: int = 0) -> list[str]:
    """`count` finished tasks: lyrics up to LYRICS_TASKS, uploads up to TASKS, lyrics after that."""
    headers = {"Authorization": f"Bearer {key}"}
    sample = write_wav(workdir / "one-second.wav", seconds=1.0)
    ids: list[str] = []
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
        for index in range(first, first + count):
            if index < LYRICS_TASKS or index >= TASKS:
                response = client.post("/suno/submit/lyrics", json={"prompt": f"night drive number {index}"})
            else:
                with sample.open("rb") as handle:
                    response = client.post("/suno/uploads/audio", files={"file": (f"take-{index}.wav", handle)})
            response.raise_for_status()
            ids.append(response.json()["data"])
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            tasks = client.post("/suno/fetch", json={"ids": ids}).json()["data"]
            if all(task["status"] in ("SUCCESS", "FAILURE") for task in tasks):
                failed = [task["fail_reason"] for task in tasks if task["status"] == "FAILURE"]
                if failed:
                    raise RuntimeError(f"{len(failed)} setup tasks failed: {failed[:3]}")
                return ids
            time.sleep(0.5)
    raise RuntimeError("setup tasks did not finish")


def lua_script(path: Path, key: str, method: str, body: str | None = None, ids: list[str] | None = None) -> Path:
    lines = [f'wrk.method = "{method}"', f'wrk.headers["Authorization"] = "Bearer {key}"']
    if body is not None:
        lines += ['wrk.headers["Content-Type"] = "application/json"', f"wrk.body = {json.dumps(body)}"]
    if ids:
        # Rotate through the ids so single fetch is not one cached row.
        lines += [
            "local ids = {" + ",".join(json.dumps(i) for i in ids) + "}",
            "local n = 0",
            "request = function()",
            "  n = n % #ids + 1",
            '  return wrk.format(nil, "/suno/fetch/" .. ids[n])',
            "end",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return round(float(number) * _UNITS[unit], 3)


def run_wrk(url: str, script: Path | None, seconds: int, connections: int) -> dict[str, Any]:
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script is not None:
        command += ["-s", str(script)]
    completed = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    output = completed.stdout
    if "Requests/sec" not in output or "99%" not in output:
        raise RuntimeError(f"wrk gave no result for {url}:\n{output}\n{completed.stderr}")
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)\.?0*%\s+(\S+)\s*$", output, re.MULTILINE))
    if "99" not in percentiles:
        raise RuntimeError(output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(percentiles["50"]),
        "p99_ms": _ms(percentiles["99"]),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="duration of each load run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--processes", type=int, default=os.cpu_count() or 1, help="HTTP processes of the server (one per core)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/api.py needs wrk (Debian package `wrk`; `make bench` installs it)")

    with tempfile.TemporaryDirectory(prefix="songforge-bench-") as scratch:
        workdir = Path(scratch)
        server = ServerProcess(
            workdir / "data",
            SONGFORGE_RATE_LIMIT="1000000000/minute",
            SONGFORGE_HTTP_PROCESSES=str(args.processes),
        )
        server.start()
        try:
            created = server.cli(
                "keys",
                "create",
                "--name",
                "bench",
                "--credits",
                "1000",
                "--rate-limit",
                "1000000000/minute",
                "--max-concurrent",
                "1000",
            )
            key = next(line for line in created.stdout.splitlines() if line.startswith("sk-"))
            ids = make_tasks(server, key, workdir)
            batch = lua_script(workdir / "batch.lua", key, "POST", json.dumps({"ids": ids}))
            big_ids = ids + make_tasks(server, key, workdir, BIG_BATCH - TASKS, first=TASKS)
            big_batch = lua_script(workdir / "batch1000.lua", key, "POST", json.dumps({"ids": big_ids}))
            single = lua_script(workdir / "single.lua", key, "GET", ids=ids)
            body = httpx.post(
                f"{server.base_url}/suno/fetch", json={"ids": ids}, headers={"Authorization": f"Bearer {key}"}
            ).content
            big_body = httpx.post(
                f"{server.base_url}/suno/fetch", json={"ids": big_ids}, headers={"Authorization": f"Bearer {key}"}
            ).content
            if len(json.loads(big_body)["data"]) != BIG_BATCH:
                raise RuntimeError("the 1000-id batch did not answer 1000 tasks")
            run_wrk(server.base_url + "/healthz", None, 2, args.connections)  # warm-up
            results = {
                "healthz": run_wrk(server.base_url + "/healthz", None, args.seconds, args.connections),
                "fetch_single": run_wrk(server.base_url + "/", single, args.seconds, args.connections),
                "fetch_batch_100": run_wrk(server.base_url + "/suno/fetch", batch, args.seconds, args.connections),
                "fetch_batch_1000": run_wrk(server.base_url + "/suno/fetch", big_batch, args.seconds, args.connections),
            }
            # Latency as one poller meets it (new-api polls from one goroutine per channel), no queueing.
            alone = {
                "fetch_batch_100": run_wrk(server.base_url + "/suno/fetch", batch, args.seconds, 1),
                "fetch_batch_1000": run_wrk(server.base_url + "/suno/fetch", big_batch, args.seconds, 1),
            }
        finally:
            server.stop()

    ceiling = results["healthz"]["requests_per_s"]
    report = {
        "benchmark": "api",
        "connections": args.connections,
        "http_processes": args.processes,
        "seconds_per_run": args.seconds,
        "batch_response_bytes": len(body),
        "batch_1000_response_bytes": len(big_body),
        "results": results,
        "one_client": alone,
        "ratios_to_healthz": {name: round(result["requests_per_s"] / ceiling, 3) for name, result in results.items()},
        "targets": {
            "batch_at_least_25pct_of_healthz": results["fetch_batch_100"]["requests_per_s"] >= 0.25 * ceiling,
            "batch_p99_under_50ms": results["fetch_batch_100"]["p99_ms"] < 50.0,
            "batch_1000_one_client_p99_under_200ms": alone["fetch_batch_1000"]["p99_ms"] < 200.0,
        },
    }
    write_report(report, ROOT / "bench" / "results" / "api.json")


if __name__ == "__main__":
    main()
