"""uvicorn glue: its HTTP protocol with Nagle's algorithm switched off on every connection.

With several workers uvicorn binds the listening socket itself (``socket.socket(family)``, so its
``proto`` is 0) and asyncio then skips TCP_NODELAY on the accepted connections. A small write
that follows another (a stream's second record, a short JSON answer on a kept-alive connection)
then waits for the client's delayed ACK, about 40 ms. Setting the option here fixes that for any
number of workers; with ``uvicorn --workers N`` pass ``--http app.server:NoDelayHTTPProtocol``.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's own HTTP protocol (httptools or h11) with TCP_NODELAY set on connect."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
        """Switch Nagle's algorithm off, then hand over to uvicorn."""
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # not a TCP socket after all: nothing to switch off
                pass
        super().connection_made(transport)
