"""A webhook endpoint on loopback that counts what it receives per (task id, status), for the fleet test and
bench/load.py: a task whose SUCCESS arrives twice was finished twice, one whose SUCCESS never comes was lost."""

import http.server
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class WebhookCounts:
    def __init__(self) -> None:
        self.url = ""
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def add(self, task_id: str, status: str) -> None:
        with self._lock:
            self._counts[(task_id, status)] += 1

    def count(self, task_id: str, status: str) -> int:
        with self._lock:
            return self._counts[(task_id, status)]


@contextmanager
def webhook_receiver() -> Iterator[WebhookCounts]:
    """Serve on a free loopback port until the block ends; the counts' `url` is the hook to submit with."""
    counts = WebhookCounts()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server's naming
            task = json.loads(self.rfile.read(int(self.headers["Content-Length"])))  # the bare task object
            counts.add(str(task.get("task_id")), str(task.get("status")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    counts.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield counts
    finally:
        server.shutdown()
        server.server_close()
