"""A TCP proxy in front of the test database that the test can break: forward, refuse new
connections, accept them and then say nothing (a blackholed database), or freeze (the
connections it carries stay open and pass nothing, as with a frozen server or a network that
drops packets). Switching to refuse or stall drops the connections it was carrying, as a
failover or a network change does."""

import contextlib
import socket
import threading
import time


class BreakableProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.mode = "forward"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self.freeze_at: bytes | None = None  # freeze when the app sends this, before passing it
        threading.Thread(target=self._accept, daemon=True).start()

    def set_mode(self, mode: str) -> None:
        """"forward", "refuse" (close each new connection at once), "stall" or "freeze"."""
        with self._lock:
            self.mode = mode
            if mode == "freeze":
                return
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def close(self) -> None:
        self.set_mode("refuse")
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self.mode == "refuse":
                    client.close()
                    continue
                self._open.append(client)
                if self.mode in ("stall", "freeze"):  # accepted, never answered
                    continue
                upstream = socket.create_connection(self.target)
                self._open.append(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if self.freeze_at is not None and self.freeze_at in data:
                    self.mode = "freeze"
                while self.mode == "freeze":  # held, not passed on
                    time.sleep(0.01)
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
