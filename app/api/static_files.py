"""The page's static files and plotly.js, compressed once and cached for a year under versioned
URLs.

``/static/<version>/...`` serves ``settings.static_dir`` under a hash of the whole tree, so the
ES modules' relative imports (``./plots.js``) are versioned too and any change of any file moves
every URL: those responses are ``immutable``. Plain ``/static/...`` (and an older page's
version) still answer, revalidated by ETag. Each file is compressed once per process (brotli
when the client takes it, else gzip) and kept in memory; responses name the encoding and
``Vary: Accept-Encoding``. A small middleware compresses the JSON and HTML answers made per
request, and the NDJSON streams piece by piece with a flush after each piece, so a stream's
records still reach the page as they are computed.

plotly.js (4.8 MB) is the first load's bulk: brotli's best quality takes it to 1.11 MB but needs
10-40 s, so a server compresses it once in the background at startup into
``settings.asset_cache_dir`` (kept across restarts, checked on reading) and serves quality 9
(1.23 MB) until then; ``python -m app.api.static_files`` fills the cache at build time. The same
thread first does the static tree's own files (KaTeX and the page's modules: ~16 kB less on a
first load than quality 9, a few seconds of one core once per machine).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import logging
import mimetypes
import os
import re
import threading
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

import brotli
import rjsmin
from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PLOTLY_JS = Path(str(files("plotly") / "package_data" / "plotly.min.js"))
PLOTLY_VERSION = version("plotly")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"  # the browser may keep it but asks first (a 304 costs a few bytes)
COMPRESSIBLE = {".js", ".mjs", ".css", ".svg", ".json", ".html", ".txt", ".map", ".ttf",
                ".otf", ".eot", ".md"}
MIN_COMPRESS = 512  # bytes: smaller files gain nothing
BIG = 1_000_000  # bytes: a file loaded (compressed at quality 9) at startup, not on a request
BROTLI_QUALITY = 9  # plotly.min.js 4.8 MB -> 1.23 MB in ~0.5 s; 11 gains 10 % at 15x the time
BEST_QUALITY = 11  # for big files, once, in the background, cached on disk
VERSION_RE = re.compile(r"v[0-9a-f]{12}")
MEDIA_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
               ".svg": "image/svg+xml", ".json": "application/json", ".woff2": "font/woff2",
               ".woff": "font/woff", ".ttf": "font/ttf"}

router = APIRouter(tags=["pages"])
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asset:
    """One file as served: its bodies by content coding ("identity", "br", "gzip")."""

    media_type: str
    etag: str
    bodies: dict[str, bytes]


# (path, minified) -> (mtime and size, asset), shared by every app of the process
_cache: dict[tuple[Path, bool], tuple[tuple[int, int], Asset]] = {}
_cache_lock = threading.Lock()
_best_started: set[Path] = set()


def best_file(cache_dir: Path, raw: bytes) -> Path:
    """Where the best-quality brotli of ``raw`` is kept (named by its content hash)."""
    return cache_dir / f"{hashlib.sha256(raw).hexdigest()}.br{BEST_QUALITY}"


def read_best(cache_dir: Path | None, raw: bytes) -> bytes | None:
    """The cached best brotli of ``raw`` if there is one that decodes to exactly ``raw``."""
    if cache_dir is None:
        return None
    try:
        body = best_file(cache_dir, raw).read_bytes()
        return body if brotli.decompress(body) == raw else None
    except (OSError, brotli.error):
        return None


def write_best(cache_dir: Path, raw: bytes) -> bytes:
    """Compress ``raw`` at the best quality into the cache (atomically) and return it."""
    body = brotli.compress(raw, quality=BEST_QUALITY)
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = best_file(cache_dir, raw)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(body)
    os.replace(tmp, target)
    return body


def served_bytes(path: Path, minify: bool = True) -> bytes:
    """A file's bytes as served: the page's own scripts without their comments and layout
    (rjsmin: about a quarter fewer bytes after compression, so the first load keeps within its
    budget; strings and template literals are kept as written; ``minify`` off, as written, to
    debug them), every other file as it is."""
    raw = path.read_bytes()
    if minify and path.suffix == ".js" and not path.name.endswith(".min.js"):
        return rjsmin.jsmin(raw.decode("utf-8"), keep_bang_comments=True).encode("utf-8")
    return raw


def load_asset(path: Path, cache_dir: Path | None = None, minify: bool = True) -> Asset | None:
    """The file at ``path`` ready to serve (compressed on first use, again when it changes; a
    file's best brotli comes from ``cache_dir`` when it is there; ``minify``: see
    :func:`served_bytes`)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:  # one thread compresses a file; the others wait for it
        hit = _cache.get((path, minify))
        if hit and hit[0] == key:
            return hit[1]
        raw = served_bytes(path, minify)
        bodies = {"identity": raw}
        if path.suffix in COMPRESSIBLE and len(raw) >= MIN_COMPRESS:
            best = read_best(cache_dir, raw)
            bodies["br"] = best or brotli.compress(raw, quality=BROTLI_QUALITY)
            bodies["gzip"] = gzip.compress(raw, compresslevel=9, mtime=0)
        media = MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] \
            or "application/octet-stream"
        if media.startswith("text/") or media in ("application/json", "image/svg+xml"):
            media += "; charset=utf-8"
        asset = Asset(media, hashlib.sha256(raw).hexdigest()[:20], bodies)
        _cache[(path, minify)] = (key, asset)
        return asset


def improve_in_background(paths: Path | list[Path], cache_dir: Path) -> None:
    """Compress files at the best quality once (kept in ``cache_dir``), in one thread and in
    order, then serve that."""
    with _cache_lock:
        asked = [paths] if isinstance(paths, Path) else paths
        todo = [p for p in asked if p not in _best_started]
        _best_started.update(todo)
    if not todo:
        return

    def improve(path: Path) -> None:
        raw = served_bytes(path)
        if path.suffix in COMPRESSIBLE and len(raw) >= MIN_COMPRESS \
                and read_best(cache_dir, raw) is None:
            write_best(cache_dir, raw)
            with _cache_lock:
                _cache.pop((path, True), None)
            load_asset(path, cache_dir)  # the best from now on

    def work() -> None:
        for path in todo:  # a big file (plotly.js) is made ready here, not on a request
            if path.stat().st_size >= BIG:
                load_asset(path, cache_dir)
        for path in todo:
            try:
                improve(path)
            except OSError as err:  # a read-only cache: quality 9 stays
                log.warning("could not keep the compressed %s in %s: %s", path.name, cache_dir, err)
                return

    threading.Thread(target=work, name="optviz-compress", daemon=True).start()


def static_files_of(root: Path) -> list[Path]:
    """The compressible files of the static tree, smallest first (the page's own before the
    vendored bundles)."""
    found = [p for p in root.rglob("*") if p.is_file() and p.suffix in COMPRESSIBLE]
    return sorted(found, key=lambda p: (p.stat().st_size, str(p)))


class StaticTree:
    """``settings.static_dir``: safe lookup of its files and the version hash of the tree."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._lock = threading.Lock()
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._version = "v" + "0" * 12

    def file(self, rel: str) -> Path | None:
        """The file ``rel`` names inside the tree, or None (missing, a folder, or outside)."""
        if not rel or "\\" in rel or "\0" in rel:
            return None
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path

    def current(self) -> str:
        """The version as last computed (computing it if it never was)."""
        return self._version if self._signature is not None else self.version()

    def version(self) -> str:
        """``v`` + 12 hex digits of a hash of every file's path and bytes (re-hashed only when
        a file's size or mtime changed, so an edited file gets a new URL)."""
        entries = []
        for folder, dirs, names in os.walk(self.root):
            dirs.sort()
            for name in sorted(names):
                path = Path(folder) / name
                try:
                    stat = path.stat()
                except OSError:
                    continue
                entries.append((path.relative_to(self.root).as_posix(), stat.st_mtime_ns,
                                stat.st_size))
        signature = tuple(entries)
        with self._lock:
            if signature != self._signature:
                digest = hashlib.sha256()
                for rel, _, _ in signature:
                    try:
                        content = hashlib.sha256((self.root / rel).read_bytes()).digest()
                    except OSError:
                        content = b""
                    digest.update(rel.encode() + b"\0" + content)
                self._signature = signature
                self._version = "v" + digest.hexdigest()[:12]
            return self._version


def accepted_coding(header: str, available: dict[str, bytes]) -> str:
    """The best content coding of ``available`` the Accept-Encoding ``header`` allows."""
    accepted = set()
    for item in header.split(","):
        token, _, params = item.strip().partition(";")
        q = params.strip()
        if q.startswith("q="):
            try:
                if float(q[2:]) <= 0:
                    continue
            except ValueError:
                continue
        accepted.add(token.strip().lower())
    for coding in ("br", "gzip"):
        if coding in available and (coding in accepted or "*" in accepted):
            return coding
    return "identity"


_WHOLE_CACHE: dict[tuple[str, str], bytes] = {}
_WHOLE_LOCK = threading.Lock()
WHOLE_CACHE_SIZE = 128  # cached JSON answers (catalog, surface grids) kept compressed, by coding
WHOLE_BEST_MAX = 160_000  # bytes of a grid: up to this, brotli's best quality (~0.25 s)
WHOLE_BROTLI = 5  # a bigger grid's: 3 MB in ~0.1 s (quality 11: ~5.5 s, uncounted by any budget)
WHOLE_GZIP = 6  # zlib's default: ~2x faster than 9, a few % larger


def whole_body(etag: str, body: bytes, coding: str, best_max: int | None = None) -> bytes:
    """A cacheable answer (same ETag, same bytes) in ``coding``, compressed once per ETag and
    coding (only the coding a client asks for), at brotli's best quality unless the body is
    longer than ``best_max``: the catalog (one answer per version) always, a surface grid (one
    per view, so any number) up to the size the page asks for, a bigger one (a 400 x 400 grid)
    at a quality whose time stays small beside the grid's own cost."""
    if coding == "identity":
        return body
    with _WHOLE_LOCK:
        hit = _WHOLE_CACHE.get((etag, coding))
    if hit is not None:
        return hit
    if coding == "br":
        best = best_max is None or len(body) <= best_max
        out = brotli.compress(body, quality=BEST_QUALITY if best else WHOLE_BROTLI)
    else:
        out = gzip.compress(body, compresslevel=WHOLE_GZIP, mtime=0)
    with _WHOLE_LOCK:
        _WHOLE_CACHE[(etag, coding)] = out
        while len(_WHOLE_CACHE) > WHOLE_CACHE_SIZE:
            _WHOLE_CACHE.pop(next(iter(_WHOLE_CACHE)))
    return out


ANY_CODING: dict[str, bytes] = {"br": b"", "gzip": b""}  # what an answer made per request offers


def _coding_of(request: Request) -> str:
    """The coding a per-request answer takes: the best the client accepts."""
    return accepted_coding(request.headers.get("accept-encoding", ""), ANY_CODING)


async def whole_response(request: Request, body: bytes, etag: str, headers: dict[str, str],
                         media_type: str = "application/json") -> Response:
    """``body`` (its ETag ``etag``) in the best coding the client takes, compressed once per
    ETag and coding in a worker thread at the best quality; the coding's suffix on the ETag as
    for static files."""
    coding = _coding_of(request)
    coded = await run_in_threadpool(whole_body, etag, body, coding)
    return _coded(body, coded, coding, etag, headers, media_type)


def whole_response_sync(request: Request, body: bytes, etag: str, headers: dict[str, str],
                        media_type: str = "application/json", best_max: int | None = None
                        ) -> Response:
    """:func:`whole_response` for a route already running in a worker thread (the best quality
    up to ``best_max`` bytes)."""
    coding = _coding_of(request)
    return _coded(body, whole_body(etag, body, coding, best_max), coding, etag, headers,
                  media_type)


def _coded(body: bytes, coded: bytes, coding: str, etag: str, headers: dict[str, str],
           media_type: str) -> Response:
    out = dict(headers)
    out["Vary"] = "Accept-Encoding"
    if coding == "identity":
        return Response(body, media_type=media_type, headers=out)
    out["Content-Encoding"] = coding
    if etag.endswith('"'):
        out["ETag"] = f'{etag[:-1]}-{coding}"'
    return Response(coded, media_type=media_type, headers=out)


def asset_response(request: Request, asset: Asset, cache_control: str) -> Response:
    """``asset`` in the best coding the client takes, or 304 when its ETag matches."""
    coding = accepted_coding(request.headers.get("accept-encoding", ""), asset.bodies)
    etag = f'"{asset.etag}"' if coding == "identity" else f'"{asset.etag}-{coding}"'
    headers = {"Cache-Control": cache_control, "ETag": etag, "Vary": "Accept-Encoding"}
    match = [tag.strip().removeprefix("W/") for tag in
             request.headers.get("if-none-match", "").split(",")]
    if etag in match or f'"{asset.etag}"' in match or "*" in match:  # (coding suffixes stripped)
        return Response(status_code=304, headers=headers)
    if coding != "identity":
        headers["Content-Encoding"] = coding
    return Response(asset.bodies[coding], media_type=asset.media_type, headers=headers)


def static_tree(request: Request) -> StaticTree:
    """The app's static tree (made once per app from its settings)."""
    state = request.app.state
    if getattr(state, "static_tree", None) is None:
        state.static_tree = StaticTree(state.settings.static_dir)
    return state.static_tree


def static_url(request: Request) -> str:
    """The versioned prefix the page loads its static files from (``/static/v<hash>``)."""
    return f"/static/{static_tree(request).version()}"


def plotly_url() -> str:
    """plotly.js under its version (cached for a year)."""
    return f"/vendor/plotly.min.js?v={PLOTLY_VERSION}"


@router.api_route("/static/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def get_static(path: str, request: Request) -> Response:
    """A static file: immutable under the current version, else revalidated."""
    tree = static_tree(request)
    head, _, rest = path.partition("/")
    cache = REVALIDATE
    if VERSION_RE.fullmatch(head) and rest:
        path = rest
        if head == tree.current():
            cache = IMMUTABLE
    found = tree.file(path)
    minify = request.app.state.settings.minify_scripts
    asset = await run_in_threadpool(load_asset, found, cache_dir_of(request.app), minify) \
        if found else None
    if asset is None:
        return Response("Not Found", status_code=404, media_type="text/plain")
    return asset_response(request, asset, cache)


@router.api_route("/vendor/plotly.min.js", methods=["GET", "HEAD"], include_in_schema=False)
async def get_plotly(request: Request) -> Response:
    """plotly.js from the installed Python package (the page works offline); immutable when
    asked for under its version (``?v=<plotly version>``, as the page does)."""
    asset = await run_in_threadpool(load_asset, PLOTLY_JS, cache_dir_of(request.app))
    if asset is None:
        return Response("plotly.js is not installed", status_code=404, media_type="text/plain")
    if request.query_params.get("v") == PLOTLY_VERSION:
        cache = IMMUTABLE
    else:
        cache = f"public, max-age={request.app.state.settings.cache_max_age}"
    return asset_response(request, asset, cache)


DYNAMIC_TYPES = ("application/json", "text/html")  # one-piece answers worth compressing
STREAM_TYPES = ("application/x-ndjson",)  # compressed record by record, flushed each time
DYNAMIC_BROTLI = 1  # ~1 ms per 300 kB of JSON, as small as quality 4-5 on these answers
DYNAMIC_GZIP = 1
OFF_LOOP = 16_384  # bytes: bigger pieces are compressed in a worker thread (the loop stays free)


class StreamCoder:
    """Compresses a stream piece by piece, each piece flushed so the client can decode every
    record as soon as it arrives (brotli or gzip)."""

    def __init__(self, coding: str) -> None:
        self.brotli = brotli.Compressor(quality=DYNAMIC_BROTLI) if coding == "br" else None
        self.zlib = None if self.brotli else zlib.compressobj(DYNAMIC_GZIP, zlib.DEFLATED, 31)

    def piece(self, data: bytes, last: bool) -> bytes:
        """``data`` compressed and flushed (and the stream closed when ``last``)."""
        if self.brotli is not None:
            out = self.brotli.process(data)
            return out + (self.brotli.finish() if last else self.brotli.flush())
        assert self.zlib is not None
        out = self.zlib.compress(data)
        return out + self.zlib.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


async def off_loop(size: int, func: Callable[..., bytes], *args: object) -> bytes:
    """``func(*args)`` here when small, in a worker thread when ``size`` is big."""
    return await run_in_threadpool(func, *args) if size > OFF_LOOP else func(*args)


def compress_whole(body: bytes, coding: str) -> bytes:
    """A one-piece answer compressed with ``coding`` ("br" or "gzip")."""
    if coding == "br":
        return brotli.compress(body, quality=DYNAMIC_BROTLI)
    return gzip.compress(body, compresslevel=DYNAMIC_GZIP, mtime=0)


async def compress_piece(coder: StreamCoder, message: Message, last: bool) -> bytes:
    """One body message of a stream, compressed and flushed."""
    body = message.get("body", b"")
    return await off_loop(len(body), coder.piece, body, last)


class CompressWholeResponses:
    """Pure ASGI middleware compressing JSON and HTML answers sent in one piece (the page, the
    catalog, a surface grid) and NDJSON streams piece by piece, each piece flushed, so records
    still arrive as they are computed. Anything else passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold the start message until the first body shows whether the answer is whole."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = Headers(scope=scope).get("accept-encoding", "")
        asked = Headers(scope=scope).get("if-none-match", "")
        suffix = next((f"-{c}" for c in ("br", "gzip") if f'-{c}"' in asked), "")
        scope = {**scope, "headers": [  # the route knows its ETags without our coding suffix
            (name, re.sub(rb'-(?:br|gzip)"', b'"', value) if name == b"if-none-match" else value)
            for name, value in scope["headers"]]}
        held: Message | None = None
        passing = False
        coder: StreamCoder | None = None

        async def send_compressed(message: Message) -> None:
            nonlocal held, passing, coder
            if coder is not None and message["type"] == "http.response.body":
                last = not message.get("more_body", False)
                await send({**message, "body": await compress_piece(coder, message, last)})
                return
            if passing or message["type"] not in ("http.response.start", "http.response.body"):
                await send(message)
                return
            if message["type"] == "http.response.start":
                if message["status"] == 304 and suffix:  # the tag the client holds
                    headers = MutableHeaders(raw=list(message.get("headers", [])))
                    if headers.get("etag", "").endswith('"'):
                        headers["ETag"] = f'{headers["etag"][:-1]}{suffix}"'
                    headers.add_vary_header("Accept-Encoding")
                    message = {**message, "headers": headers.raw}
                held = message
                return
            assert held is not None
            passing = True
            headers = MutableHeaders(raw=list(held.get("headers", [])))
            body = message.get("body", b"")
            whole = not message.get("more_body", False)
            media = headers.get("content-type", "").split(";")[0].strip()
            wanted = media in DYNAMIC_TYPES
            coding = accepted_coding(accept, ANY_CODING)
            if media in STREAM_TYPES and coding != "identity" and "content-encoding" not in headers:
                coder = StreamCoder(coding)
                headers["Content-Encoding"] = coding
                headers.add_vary_header("Accept-Encoding")
                if "content-length" in headers:
                    del headers["content-length"]
                if "etag" in headers and headers["etag"].endswith('"'):
                    headers["ETag"] = f'{headers["etag"][:-1]}-{coding}"'
                await send({**held, "headers": headers.raw})
                await send({**message, "body": await compress_piece(coder, message, whole)})
                return
            if whole and wanted and len(body) >= MIN_COMPRESS and coding != "identity" \
                    and "content-encoding" not in headers:
                body = await off_loop(len(body), compress_whole, body, coding)
                headers["Content-Encoding"] = coding
                headers["Content-Length"] = str(len(body))
                headers.add_vary_header("Accept-Encoding")
                if "etag" in headers and headers["etag"].endswith('"'):
                    headers["ETag"] = f'{headers["etag"][:-1]}-{coding}"'
                message = {**message, "body": body}
            await send({**held, "headers": headers.raw})
            await send(message)

        await self.app(scope, receive, send_compressed)


def cache_dir_of(app: FastAPI) -> Path | None:
    """Where the app keeps best-quality compressions (None: nowhere)."""
    return getattr(app.state.settings, "asset_cache_dir", None)


def install_static_files(app: FastAPI) -> None:
    """Serve /static and /vendor/plotly.min.js from ``app``, compress its one-piece JSON and
    HTML answers; a running server (its lifespan)
    starts compressing plotly.js at the best quality in the background."""
    app.include_router(router)
    app.add_middleware(CompressWholeResponses)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(target: FastAPI) -> AsyncIterator[object]:
        cache_dir = cache_dir_of(target)
        if cache_dir is not None:
            static = static_files_of(Path(target.state.settings.static_dir))
            improve_in_background([*static, PLOTLY_JS], cache_dir)
        async with inner(target) as state:
            yield state

    app.router.lifespan_context = lifespan


def main() -> None:
    """Fill the cache at build time: ``python -m app.api.static_files [--cache-dir DIR]``."""
    from app.config import get_settings

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--cache-dir", type=Path, default=None)
    cache_dir = parser.parse_args().cache_dir or get_settings().asset_cache_dir
    for path in [*static_files_of(get_settings().static_dir), PLOTLY_JS]:
        raw = served_bytes(path)
        if len(raw) < MIN_COMPRESS:
            continue
        if read_best(cache_dir, raw) is None:
            write_best(cache_dir, raw)
        print(f"{path.name}: {len(raw)} -> {best_file(cache_dir, raw).stat().st_size}")


if __name__ == "__main__":
    main()
