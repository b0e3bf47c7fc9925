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


def test_a_writer_stuck_in_line_goes_on_to_sqlites_own_timeout_and_the_line_still_moves() -> None:
    turns = WriterTurns(give_up_after_s=0.2)
    writing, finish, gave_up = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        with turns.turn():
            writing.set()
            finish.wait(10)

    def wait_in_line() -> None:
        with turns.turn():
            gave_up.set()  # or its turn came

    holder = threading.Thread(target=hold)
    holder.start()
    assert writing.wait(10)
    waiter = threading.Thread(target=wait_in_line)
    waiter.start()
    assert gave_up.wait(5), "the writer waited in line for ever"
    finish.set()
    holder.join(10)
    turns.give_up_after_s = 10.0
    late = threading.Thread(target=wait_in_line)
    gave_up.clear()
    late.start()
    assert gave_up.wait(2), "the line was left blocked"


def test_a_thread_may_open_a_session_inside_its_own_turn() -> None:
    turns = WriterTurns()
    turns.mark_background()
    with turns.turn(), turns.turn():
        pass
