"""What every route shares: the app's settings, the server's limits and strict JSON bodies."""

from __future__ import annotations

import hashlib
import json
import math
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import Depends, Request

from app.address.codec import as_query_error, decode
from app.api.errors import ApiError
from app.api.memory import IdleTrimmer
from app.api.streaming import compute_limiter
from app.config import Settings
from app.engine.config import validate_config
from app.engine.cost import Estimate, schedule_size, trajectory_cost
from app.engine.errors import ConfigError


class StreamStats:
    """Counters of one worker's streams (shown by /healthz; used by the tests) and their slots:
    at most ``max_streams`` at once, ``max_client_streams`` of them per client address."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.active = 0  # only touched on the event loop
        self.steps_computed = 0
        self.clients: dict[str, int] = {}
        self.trimmer = IdleTrimmer(lambda: self.active)

    def acquire(self, client: str, settings: Settings) -> Callable[[], None]:
        """Take a stream slot for ``client``; returns the function that frees it (once), or
        raises a 429 (this client has too many streams) / 503 (the worker is full) with
        Retry-After."""
        mine = self.clients.get(client, 0)
        if mine >= settings.max_client_streams:
            raise ApiError(429, "", f"this address already has {mine} streams running on this "
                                    f"server (at most {settings.max_client_streams}); retry "
                                    "when one ends", loc=[], kind="too_many_requests",
                           headers={"Retry-After": str(settings.retry_after_s)})
        if self.active >= settings.max_streams:
            raise ApiError(503, "", f"the server is computing {self.active} streams (at most "
                                    f"{settings.max_streams}); retry shortly", loc=[],
                           kind="busy", headers={"Retry-After": str(settings.retry_after_s)})
        self.active += 1
        self.clients[client] = mine + 1
        freed = False

        def release() -> None:
            nonlocal freed
            if freed:
                return
            freed = True
            self.active -= 1
            left = self.clients.get(client, 1) - 1
            if left > 0:
                self.clients[client] = left
            else:
                self.clients.pop(client, None)
            self.trimmer.stream_ended()

        return release

    def add_steps(self, n: int) -> None:
        """Count steps computed by a worker thread."""
        with self._lock:
            self.steps_computed += n


def settings_of(request: Request) -> Settings:
    """The settings of the app serving ``request`` (tests build apps with their own)."""
    return request.app.state.settings


def stats_of(request: Request) -> StreamStats:
    """The stream counters of the app serving ``request``."""
    return request.app.state.stats


def _formulas(node: Any, field: str) -> Iterator[tuple[str, str]]:
    """Every LambdaLR formula of a validated schedule tree, with its field."""
    if not isinstance(node, Mapping):
        return
    params = node.get("params") or {}
    if isinstance(params.get("lr_lambda"), str):
        yield f"{field}.params.lr_lambda", params["lr_lambda"]
    for j, child in enumerate(params.get("schedulers") or ()):
        yield from _formulas(child, f"{field}.params.schedulers[{j}]")


def check_limits(config: Mapping[str, Any], settings: Settings) -> None:
    """Refuse a validated configuration whose work exceeds this server's settings."""
    runs = len(config["runs"])
    steps = config["steps"]
    if runs > settings.max_runs:
        raise ConfigError("runs", f"at most {settings.max_runs} runs on this server, got {runs}")
    if steps > settings.max_steps:
        raise ConfigError("steps", f"must be an integer in [1, {settings.max_steps}] on this "
                                   f"server, got {steps}")
    if steps * runs > settings.max_run_steps:
        most = settings.max_run_steps // runs
        raise ConfigError(
            "steps", f"steps x runs = {steps} x {runs} exceeds this server's budget of "
                     f"{settings.max_run_steps}; with {runs} runs steps must be in [1, {most}]")
    limit = settings.max_expression_chars
    formulas = list(_formulas(run.get("schedule"), f"runs[{i}].schedule")
                    for i, run in enumerate(config["runs"]))
    found = [item for group in formulas for item in group]
    if "expression" in config["surface"]:
        found.insert(0, ("surface.expression", config["surface"]["expression"]))
    for field, text in found:
        if len(text) > limit:
            raise ConfigError(field, f"formula of {len(text)} characters; at most {limit}")
    check_cost(trajectory_cost(config), settings)
    for i, run in enumerate(config["runs"]):
        if run.get("schedule") is None:
            continue
        schedulers, nodes = schedule_size(run["schedule"])
        if nodes > settings.max_schedule_formula_nodes:
            raise ConfigError(f"runs[{i}].schedule",
                              f"its {schedulers} schedulers' formulas have {nodes} nodes in all; "
                              f"at most {settings.max_schedule_formula_nodes} on this server")


def _duration(seconds: float) -> str:
    """``seconds`` readably: 12 us, 3.4 ms, 25 s, 1.2e+03 s."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} us"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def check_cost(estimate: Estimate, settings: Settings, prefix: str = "") -> None:
    """Refuse a request whose estimated compute exceeds the server's budget: a 422 naming the
    costliest part, what it costs per step and how many steps would fit."""
    budget = settings.cost_budget_s
    if estimate.seconds <= budget:
        return
    part = estimate.costliest()
    fit = estimate.steps_that_fit(budget)
    advice = (f"at most {fit} steps would fit" if fit >= 1
              else "even 1 step would not fit: make it cheaper")
    raise ConfigError(
        f"{prefix}{part.field}",
        f"costs {_duration(part.per_step)} of compute per {estimate.unit} ({part.what}); the "
        f"request's estimate is {_duration(estimate.seconds)} for {estimate.steps} steps, over "
        f"this server's budget of {_duration(budget)}; {advice}")


def doubles_only(raw: Any) -> Any:
    """``raw`` with every integer beyond a double's range turned into +-infinity, in place.

    The engine reads numbers as doubles and ``float()`` of such an integer (JSON ``1`` followed
    by 400 zeros, or the same in a query) raises; infinity is refused by validation, naming the
    field. Iterative, so a deeply nested body cannot exhaust the stack.
    """
    stack = [raw]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            items = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        else:
            continue
        for key, value in items:
            if isinstance(value, int) and not isinstance(value, bool) \
                    and abs(value) > sys.float_info.max:
                node[key] = math.inf if value > 0 else -math.inf
            elif isinstance(value, dict | list):
                stack.append(value)
    return raw


OFF_LOOP_BYTES = 2048  # bodies and queries longer than this are validated in a thread
FORMULA_KEYS = ("expr", "lr_lambda")  # so are those with a formula (its first parse: ~20 ms)
T = TypeVar("T")


def heavy(payload: bytes | str) -> bool:
    """Whether validating ``payload`` (a body or a raw query) may take more than a moment:
    long, or holding a formula not yet parsed by this process."""
    if len(payload) > OFF_LOOP_BYTES:
        return True
    text = payload.decode("latin-1") if isinstance(payload, bytes) else payload
    return any(key in text for key in FORMULA_KEYS)


async def off_loop(request: Request, payload: bytes | str, fn: Callable[..., T], *args: Any
                   ) -> T:
    """``fn(*args)`` in one of the worker's ``validation_threads`` (FIFO) when validating
    ``payload`` is heavy (see :func:`heavy`), so a large body, a long query or a new formula
    never blocks the event loop (/healthz, other streams); small ones, the common case, skip
    the thread hop."""
    if not heavy(payload):
        return fn(*args)
    limiter = compute_limiter("validation", settings_of(request).validation_threads)
    return await anyio.to_thread.run_sync(fn, *args, limiter=limiter)


def cache_control(settings: Settings, seconds: float) -> str:
    """Cache-Control of a deterministic GET stream whose compute is estimated at ``seconds``.

    Headers leave before the stream ends, so a stream that could still end in an error record
    (its deadline) must not be stored by a proxy: only streams estimated at under half the
    deadline are ``public`` (the estimate is within about 2x of the compute); heavier ones are
    ``no-store``. A stream's first block is computed before the headers, so an error there is a
    JSON 500, never cached.
    """
    if seconds * 2 <= settings.deadline_s:
        return f"public, max-age={settings.cache_max_age}"
    return "no-store"


def validate_request(raw: Any, settings: Settings) -> dict[str, Any]:
    """The engine's validation, then this server's limits: the one gate for a configuration."""
    config = validate_config(doubles_only(raw))
    check_limits(config, settings)
    return config


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it exceeds ``limit`` bytes."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "body", f"request body larger than {limit} bytes", loc=["body"],
                    kind="too_large")


def _no_constant(name: str) -> Any:
    """json.loads hook: NaN, Infinity and -Infinity are not JSON."""
    raise ValueError(f"{name} is not valid JSON (numbers must be finite)")


def _finite_float(text: str) -> float:
    """json.loads hook: a float literal too large for a double (1e999) is refused too."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:30]} is out of range")
    return value


def parse_json(body: bytes) -> Any:
    """Strict standard JSON (no NaN / Infinity), or a 422 saying where it is malformed."""
    if not body.strip():
        raise ApiError(422, "body", "empty body: send the configuration as a JSON object",
                       loc=["body"], kind="json_invalid")
    try:
        return json.loads(body, parse_constant=_no_constant, parse_float=_finite_float)
    except json.JSONDecodeError as error:
        msg = f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}"
    except (ValueError, RecursionError) as error:  # bad hooks, encodings, huge integers
        msg = f"malformed JSON: {str(error)[:200]}"
    raise ApiError(422, "body", msg, loc=["body"], kind="json_invalid")


def etag_of(canonical: str) -> str:
    """A strong ETag for a response determined by ``canonical`` text."""
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def not_modified(request: Request, etag: str) -> bool:
    """True when If-None-Match already names this ETag (or is ``*``)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags


def validate_body(body: bytes, settings: Settings) -> dict[str, Any]:
    """A JSON body parsed and validated (for :func:`off_loop`: both steps off the event loop)."""
    return validate_request(parse_json(body), settings)


def read_query(request: Request, settings: Settings) -> str:
    """The raw query string (escapes intact, so the codec sees commas as the page wrote them)."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    if len(query) > settings.max_query_chars:
        raise ApiError(422, "query", f"query string of {len(query)} characters; at most "
                                     f"{settings.max_query_chars}", loc=["query"])
    return query


def query_config(query: str, settings: Settings) -> dict[str, Any]:
    """The validated configuration of a raw query; errors name the query parameter."""
    try:
        return validate_request(decode(query), settings)
    except ConfigError as error:
        raise as_query_error(error) from None


async def app_settings(request: Request) -> Settings:
    """Dependency: the settings of the app serving the request (async: FastAPI would run a
    plain function in a worker thread, a hop for nothing)."""
    return settings_of(request)


SettingsDep = Annotated[Settings, Depends(app_settings)]


async def raw_query(request: Request, settings: SettingsDep) -> str:
    """Dependency: the raw query string, refused when longer than the server allows."""
    return read_query(request, settings)


RawQuery = Annotated[str, Depends(raw_query)]


async def config_of_query(request: Request, settings: SettingsDep) -> tuple[str, dict[str, Any]]:
    """Dependency: the raw query and the configuration it spells, validated with this server's
    limits (off the event loop when long); errors name the query parameter (``r0.lr``)."""
    query = read_query(request, settings)
    return query, await off_loop(request, query, query_config, query, settings)


QueryConfig = Annotated[tuple[str, dict[str, Any]], Depends(config_of_query)]


async def config_of_body(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Dependency: the JSON body's configuration, read within the size limit and validated
    with this server's limits (off the event loop when large); errors name the field."""
    body = await read_body(request, settings.max_body_bytes)
    return await off_loop(request, body, validate_body, body, settings)


BodyConfig = Annotated[dict[str, Any], Depends(config_of_body)]
