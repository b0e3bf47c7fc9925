"""SQLite writers of one process take turns: a request does not wait behind every background writer that queued
before it, only behind the one writing."""

import threading
import time

from songforge.db.session import WriterTurns

QUEUE_UP_S = 0.2  # time for the started threads to block on their turn


def test_a_request_writes_before_the_background_writers_that_queued_earlier() -> None:
    turns = WriterTurns()
    order: list[str] = []
    writing = threading.Event()
    finish = threading.Event()

    def background(name: str) -> None:
        turns.mark_background()
        with turns.turn():
            if name == "first":
                writing.set()
                finish.wait(10)
            order.append(name)

    def request() -> None:
        with turns.turn():
            order.append("request")

    threads = [threading.Thread(target=background, args=("first",))]
    threads[0].start()
    assert writing.wait(10)
    for index in range(3):
        threads.append(threading.Thread(target=background, args=(f"queued-{index}",)))
        threads[-1].start()
    time.sleep(QUEUE_UP_S)
    threads.append(threading.Thread(target=request))
    threads[-1].start()
    time.sleep(QUEUE_UP_S)
    finish.set()
    for thread in threads:
        thread.join(10)
    assert order[:2] == ["first", "request"]
    assert sorted(order[2:]) == ["queued-0", "queued-1", "queued-2"]


def test_a_thread_may_open_a_session_inside_its_own_turn() -> None:
    turns = WriterTurns()
    turns.mark_background()
    with turns.turn(), turns.turn():
        pass
