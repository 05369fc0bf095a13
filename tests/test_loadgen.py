"""The bundled load generator knows when an answer is complete, kept-alive connection or not."""

from tools.loadgen import _complete


def test_an_answer_is_complete_once_its_content_length_has_arrived():
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 24\r\n\r\n"
    assert not _complete(head + b"Delivery status")
    assert _complete(head + b"Delivery status reported")


def test_a_204_without_content_length_is_complete_at_the_end_of_its_head():
    assert _complete(b"HTTP/1.1 204 NO CONTENT\r\nServer: gunicorn\r\n\r\n")
    assert not _complete(b"HTTP/1.1 200 OK\r\nServer: gunicorn\r\n\r\n")


def test_an_answer_whose_head_has_not_ended_is_not_complete():
    assert not _complete(b"HTTP/1.1 204 NO CONTENT\r\nServer: gunicorn\r\n")
