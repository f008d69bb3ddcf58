"""``python -m app`` (or the ``optviz`` script): serve the app with uvicorn.

Host, port and workers come from the flags, else from OPTVIZ_HOST / OPTVIZ_PORT /
OPTVIZ_WORKERS, else 127.0.0.1:8000 with one worker. The protocol (app.server) reads its
deadlines and connection cap from the settings; uvicorn sends no ``server`` header, trusts
X-Forwarded-* only from OPTVIZ_FORWARDED_ALLOW_IPS, and the open-file limit is raised to its
hard limit first (the workers inherit it).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from app.config import get_settings
from app.server import raise_open_file_limit

HTTP_PROTOCOL = "app.server:NoDelayHTTPProtocol"  # uvicorn's, with TCP_NODELAY on every worker


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line, its defaults taken from the settings (environment)."""
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="optviz", description="Serve the optimizer-trajectory "
                                     "visualizer.")
    parser.add_argument("--host", default=settings.host, help="interface (default %(default)s)")
    parser.add_argument("--port", type=int, default=settings.port,
                        help="TCP port (default %(default)s)")
    parser.add_argument("--workers", type=int, default=settings.workers,
                        help="worker processes (default %(default)s)")
    parser.add_argument("--log-level", default=settings.log_level,
                        help="uvicorn log level (default %(default)s)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run uvicorn on ``app.main:app`` (an import string, so several workers can load it)."""
    args = parse_args(argv)
    settings = get_settings()
    raise_open_file_limit()
    uvicorn.run("app.main:app", host=args.host, port=args.port, workers=args.workers,
                log_level=args.log_level, http=HTTP_PROTOCOL, server_header=False,
                proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips)


if __name__ == "__main__":
    main()
