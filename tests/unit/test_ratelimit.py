"""Per-key rate limits: one process, and one limit shared by several API processes through a file."""

import multiprocessing
import time
from pathlib import Path

from songforge.api.ratelimit import SharedTokenBuckets, TokenBuckets, parse_rate

_SPAWN = multiprocessing.get_context("spawn")


def _hits(limiter: TokenBuckets | SharedTokenBuckets, rate: str, key: str, count: int) -> int:
    return sum(limiter.hit(parse_rate(rate), key) for _ in range(count))


def test_process_buckets_allow_the_amount_then_refuse() -> None:
    buckets = TokenBuckets()
    assert _hits(buckets, "5/minute", "key-a", 8) == 5
    assert _hits(buckets, "5/minute", "key-b", 8) == 5


def test_two_mappings_of_one_table_share_each_keys_bucket(tmp_path: Path) -> None:
    first = SharedTokenBuckets(tmp_path / "limits.bin")
    second = SharedTokenBuckets(tmp_path / "limits.bin")
    rate = parse_rate("6/minute")
    allowed = [limiter.hit(rate, "key-a") for limiter in (first, second) * 5]
    assert allowed == [True] * 6 + [False] * 4
    assert second.hit(rate, "key-b"), "another key has its own bucket"


def test_shared_bucket_refills_over_time(tmp_path: Path) -> None:
    limiter = SharedTokenBuckets(tmp_path / "limits.bin")
    assert _hits(limiter, "4/second", "key", 6) == 4
    time.sleep(0.6)  # 4/second refills at least 2 tokens in 0.6 s
    assert _hits(limiter, "4/second", "key", 4) >= 2


def test_refilled_buckets_give_their_slots_to_new_keys(tmp_path: Path) -> None:
    limiter = SharedTokenBuckets(tmp_path / "limits.bin", slots=4)
    for index in range(4):
        assert _hits(limiter, "100/second", f"old-{index}", 1) == 1
    time.sleep(0.05)  # every old bucket is full again: the same as no bucket
    assert _hits(limiter, "2/minute", "new", 3) == 2, "a new key gets a real bucket in a reused slot"


def _hammer(path: str, rate: str, count: int, results: "multiprocessing.Queue[int]") -> None:
    limiter = SharedTokenBuckets(Path(path))
    results.put(_hits(limiter, rate, "shared-key", count))


def test_processes_hitting_one_key_at_once_get_exactly_the_limit(
    tmp_path: Path,
) -> None:
    results: multiprocessing.Queue[int] = _SPAWN.Queue()
    workers = [
        _SPAWN.Process(target=_hammer, args=(str(tmp_path / "limits.bin"), "90/hour", 60, results)) for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    allowed = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(10)
    assert sum(allowed) == 90, allowed
