"""The bundled load generator knows when an answer is complete, kept-alive connection or not;
its bursts open every connection at once and wait a bounded time, on this machine only."""

import socket
import threading
import time

import pytest

from tools.loadgen import _complete, burst, run


def test_an_answer_is_complete_once_its_content_length_has_arrived():
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 24\r\n\r\n"
    assert not _complete(head + b"Delivery status")
    assert _complete(head + b"Delivery status reported")


def test_a_204_without_content_length_is_complete_at_the_end_of_its_head():
    assert _complete(b"HTTP/1.1 204 NO CONTENT\r\nServer: gunicorn\r\n\r\n")
    assert not _complete(b"HTTP/1.1 200 OK\r\nServer: gunicorn\r\n\r\n")


def test_an_answer_whose_head_has_not_ended_is_not_complete():
    assert not _complete(b"HTTP/1.1 204 NO CONTENT\r\nServer: gunicorn\r\n")


def test_a_burst_opens_every_connection_at_once_and_gives_up_on_an_unanswered_one():
    listener = socket.create_server(("127.0.0.1", 0), backlog=16)
    port = listener.getsockname()[1]
    records = [b"POST /answer HTTP/1.1\r\n\r\n"] * 3 + [b"POST /silent HTTP/1.1\r\n\r\n"] * 2

    def serve():
        # Nothing is answered before all five connections are open: a client that opened
        # them one after another would wait here until its timeout.
        connections = [listener.accept()[0] for _ in records]
        for connection in connections:
            if b"/answer" in connection.recv(1024):
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        time.sleep(1)
        for connection in connections:
            connection.close()

    server = threading.Thread(target=serve)
    server.start()
    try:
        answers = burst(("127.0.0.1", port), records, timeout=0.5)
    finally:
        server.join()
        listener.close()
    assert [a.status for a in answers] == [200, 200, 200, None, None]
    assert answers[-1].error == "no answer within 0.5 s"
    assert max(a.seconds for a in answers[:3]) < 0.5


def test_the_load_generator_talks_to_this_machine_only():
    with pytest.raises(ValueError):
        burst(("192.0.2.1", 80), [b"GET / HTTP/1.1\r\n\r\n"], timeout=1)
    with pytest.raises(ValueError):
        run(("192.0.2.1", 80), [b"GET / HTTP/1.1\r\n\r\n"], connections=1)
