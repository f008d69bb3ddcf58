"""uvicorn glue: its HTTP protocol with the deadlines and limits a public server needs.

- Nagle's algorithm off on every connection. With several workers uvicorn binds the listening
  socket itself (``socket.socket(family)``, so its ``proto`` is 0) and asyncio then skips
  TCP_NODELAY on the accepted connections; a small write that follows another then waits for the
  client's delayed ACK, about 40 ms.
- Read deadlines: a connection has ``header_timeout`` seconds to send a request's line and
  headers, then ``body_timeout`` seconds for its body; else it is closed. (uvicorn itself waits
  for ever: a thousand half-sent requests used to exhaust the file descriptors.)
- A write deadline: a response whose client has read nothing for ``write_timeout`` seconds (the
  transport's buffer stays full) is aborted, so a stalled reader holds no memory for long.
- A cap on open connections per worker (``max_connections``, kept below the process's file
  limit): a connection beyond it gets a fixed 503 and is closed before anything is parsed.
- uvicorn's own answers (400 for a malformed request) carry the security headers.

``python -m app`` uses this class; with ``uvicorn`` itself pass
``--http app.server:NoDelayHTTPProtocol --no-server-header``.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol

from app.api.security import security_headers
from app.config import Settings, get_settings

log = logging.getLogger("app.server")
FD_RESERVE = 64
"""File descriptors per worker kept free of connections (listening sockets, logs, static files,
templates, the engine's threads)."""


def open_file_limit() -> int:
    """The process's soft limit on open files (RLIMIT_NOFILE)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def raise_open_file_limit() -> int:
    """Raise the soft limit on open files to the hard limit (workers inherit it); the new
    soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):  # not allowed here: keep what we have
            pass
    return open_file_limit()


def connection_cap(settings: Settings) -> int:
    """Open connections one worker accepts: the setting, kept below the file limit."""
    return max(1, min(settings.max_connections, open_file_limit() - FD_RESERVE))


def _raw_response(status: str, body: bytes, headers: dict[str, str]) -> bytes:
    """A complete HTTP/1.1 answer that closes the connection (no parser state needed)."""
    lines = [f"HTTP/1.1 {status}", "content-type: text/plain; charset=utf-8",
             f"content-length: {len(body)}", "connection: close",
             *(f"{name.lower()}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's own HTTP protocol (httptools or h11) with TCP_NODELAY, read and write
    deadlines, a connection cap and secured error answers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self._settings = settings
        self._cap = connection_cap(settings)
        self._headers = security_headers(settings.frame_ancestors)
        self._read_timer: asyncio.TimerHandle | None = None
        self._write_timer: asyncio.TimerHandle | None = None
        self._phase = ""  # "headers", "body" or "" (nothing being read)
        self._cycle_seen: Any = None
        self._refused = False

    # --------------------------------------------------------------------------- connection

    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
        """Refuse beyond the cap; switch Nagle's algorithm off; start the header deadline."""
        if len(self.server_state.connections) >= self._cap:
            self._refused = True
            log.warning("connection refused: %d connections open (the cap); answered 503",
                        len(self.server_state.connections))
            transport.write(_raw_response("503 Service Unavailable", b"Service Unavailable",
                                          {**self._headers, "Retry-After": "1"}))
            transport.close()
            return
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # not a TCP socket after all: nothing to switch off
                pass
        super().connection_made(transport)
        self._start_read("headers")

    def connection_lost(self, exc: Exception | None) -> None:
        """Cancel the deadlines, then let uvicorn tidy up."""
        self._cancel_read()
        self._cancel_write()
        if self._refused:
            return
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Feed uvicorn, then move the read deadline to the request's new phase."""
        if self._refused:
            return
        if not self._phase and self.timeout_keep_alive_task is not None:
            self._start_read("headers")  # a kept-alive connection's next request begins
        super().data_received(data)
        self._track()

    def eof_received(self) -> bool | None:
        """A refused connection has nothing to finish."""
        if self._refused:
            return None
        return super().eof_received()

    def on_response_complete(self) -> None:
        """Between requests uvicorn's keep-alive timeout applies, not the read deadline."""
        super().on_response_complete()
        if not self.transport.is_closing() and self._phase != "body":
            self._cancel_read()

    # ------------------------------------------------------------------------- read deadline

    def _track(self) -> None:
        """After new data: a new request's headers are in (body deadline, or none when the
        whole request is in), or a body is complete."""
        cycle = self.cycle
        if cycle is None or self.transport is None or self.transport.is_closing():
            return
        if cycle is not self._cycle_seen:
            self._cycle_seen = cycle
            if cycle.more_body:
                self._start_read("body")
                return
            self._cancel_read()
        elif self._phase == "body" and not cycle.more_body:
            self._cancel_read()

    def _start_read(self, phase: str) -> None:
        self._cancel_read()
        self._phase = phase
        timeout = (self._settings.header_timeout if phase == "headers"
                   else self._settings.body_timeout)
        self._read_timer = self.loop.call_later(timeout, self._read_expired)

    def _cancel_read(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None
        self._phase = ""

    def _read_expired(self) -> None:
        """The client took too long to send its request: close the connection (an app still
        reading the body sees a disconnect)."""
        phase, self._read_timer = self._phase, None
        self._phase = ""
        if self.transport is None or self.transport.is_closing():
            return
        log.warning("connection closed: request %s not received within %g s", phase,
                    self._settings.header_timeout if phase == "headers"
                    else self._settings.body_timeout)
        if phase == "headers" and (self.cycle is None or self.cycle.response_complete):
            self.transport.write(_raw_response("408 Request Timeout", b"Request Timeout",
                                               self._headers))
        self.transport.close()

    # ------------------------------------------------------------------------ write deadline

    def pause_writing(self) -> None:
        """The client stopped reading: start the write deadline."""
        super().pause_writing()
        if self._write_timer is None:
            self._write_timer = self.loop.call_later(self._settings.write_timeout,
                                                     self._write_expired)

    def resume_writing(self) -> None:
        """The client reads again."""
        self._cancel_write()
        super().resume_writing()

    def _cancel_write(self) -> None:
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None

    def _write_expired(self) -> None:
        """Drop the unread buffer and the connection (close() would wait to flush it)."""
        self._write_timer = None
        if self.transport is None or self.transport.is_closing():
            return
        log.warning("connection closed: the client read nothing for %g s",
                    self._settings.write_timeout)
        self.transport.abort()

    # ------------------------------------------------------------------------------ answers

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a malformed request, with the security headers."""
        self._cancel_read()
        self.transport.write(_raw_response("400 Bad Request", msg.encode("ascii", "replace"),
                                           self._headers))
        self.transport.close()
