"""The table of bad inputs: for each field of a request, the hostile values a client may send and
the error the server must answer with (a 4xx JSON body naming the field).

Shared by tests/test_api_bad_inputs.py (correctness against a real uvicorn) and
bench/bad_inputs.py (how fast each is refused; the target is 100 ms).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

BIG_INT = "1" + "0" * 400  # a JSON / query integer beyond a double's range
TEN_MB = 10 * 2**20
NESTED = "(" * 10_000 + "x" + ")" * 10_000  # ten thousand nested parentheses
DEEP = "(" * 300 + "x" + ")" * 300  # short enough to reach the parser's nesting limit
HOSTILE_FORMULAS = {
    "import": ("__import__('os')", "not allowed"),
    "dunder class": ("().__class__", "not allowed"),
    "lambda": ("lambda: 0", "not allowed"),
    "power tower": ("9**9**9**9", "exponent too large"),
    "10k nested parens": (NESTED, "at most 1000"),
    "300 nested parens": (DEEP, "nested too deeply"),
    "empty": ("", "empty formula"),
}
GOOD_BODY = {"steps": 20, "runs": [{"optimizer": "adam", "params": {"lr": 0.05}}]}
LAMBDA_999 = "+".join(["k*1"] * 250)[:999]  # 499 nodes once simplified (k*1 is k)


def nested_min(chars: int) -> str:
    """A formula of nested ``min(...)`` just under ``chars`` characters (nesting < 40)."""
    text, i = "x**2+y**2", 0
    while True:
        longer = f"min({text},(x-{i % 9})**2+(y+{i % 7})**2)"
        if len(longer) > chars:
            return text
        text, i = longer, i + 1


MIN_459 = nested_min(459)  # about 4 900 nodes with its derivatives
MIN_631 = nested_min(631)


def amplified_schedule(n: int = 31) -> dict[str, Any]:
    """A ChainedScheduler of ``n`` LambdaLR, each with the 999-character formula."""
    return {"name": "ChainedScheduler", "params": {"schedulers": [
        {"name": "LambdaLR", "params": {"lr_lambda": LAMBDA_999}}] * n}}


def repair_attack_query(limit: int = 8192) -> str:
    """GET /api/config's lenient-repair attack: a long nested formula and as many unknown
    run parameters (each one repair pass) as fit in ``limit`` characters."""
    query = "expr=" + quote(MIN_631, safe="") + "&r0=adam"
    i = 0
    while len(query) + len(f",u{i}=1") <= limit:
        query += f",u{i}=1"
        i += 1
    return query


@dataclass(frozen=True)
class BadInput:
    """One hostile request and the refusal expected: status, the ``field`` of the error and
    words of its message. ``body`` is JSON, ``raw`` bytes (or a factory of chunks, sent without
    a Content-Length), ``query`` an already escaped query string."""

    id: str
    path: str
    field: str
    words: str = ""
    body: Any = None
    raw: bytes | Callable[[], bytes | Iterator[bytes]] | None = None
    query: str | None = None
    status: int = 422
    known_bug: str = ""  # a reported bug outside app/api: expected to fail until fixed

    @property
    def method(self) -> str:
        """POST when the case has a body, else GET."""
        return "GET" if self.query is not None else "POST"


def request_args(case: BadInput) -> dict[str, Any]:
    """The keyword arguments of ``httpx.Client.request`` for ``case`` (built before timing)."""
    if case.query is not None:
        return {"method": "GET", "url": f"{case.path}?{case.query}"}
    if case.raw is not None:
        content = case.raw() if callable(case.raw) else case.raw
    else:
        content = json.dumps(case.body).encode()
    return {"method": "POST", "url": case.path, "content": content,
            "headers": {"content-type": "application/json"}}


def send(client: httpx.Client, case: BadInput) -> httpx.Response:
    """Send ``case`` and read the whole answer."""
    return client.request(**request_args(case))


def _ten_mb() -> bytes:
    return b'{"runs": [{"optimizer": "sgd", "label": "' + b"x" * TEN_MB + b'"}]}'


def _ten_mb_chunked() -> Iterator[bytes]:
    """Ten megabytes in 64 kB chunks: no Content-Length, so the server must count."""
    yield b'{"runs": [{"optimizer": "sgd", "label": "'
    for _ in range(TEN_MB // 65536):
        yield b"x" * 65536
    yield b'"}]}'


def _run(**fields: Any) -> dict[str, Any]:
    return {"runs": [{"optimizer": "adam", **fields}]}


def _schedule(name: str, **params: Any) -> dict[str, Any]:
    return _run(schedule={"name": name, "params": params})


T = "/api/trajectory"
S = "/api/surface"


def _body_cases() -> list[BadInput]:
    """POST /api/trajectory: every configuration field."""
    c = BadInput
    return [
        # wrong types
        c("steps as text", T, "steps", "integer", body={"steps": "10"}),
        c("steps as list", T, "steps", "integer", body={"steps": [1]}),
        c("steps as bool", T, "steps", "integer", body={"steps": True}),
        c("steps as float", T, "steps", "integer", body={"steps": 2.5}),
        c("noise as object", T, "noise", "number", body={"noise": {}}),
        c("seed as text", T, "seed", "integer", body={"seed": ""}),
        c("start as text", T, "start", "two numbers", body={"start": "0,0"}),
        c("start of three", T, "start", "two numbers", body={"start": [1, 2, 3]}),
        c("start of strings", T, "start[0]", "number", body={"start": ["1", "2"]}),
        c("surface as text", T, "surface", "object", body={"surface": "rosenbrock"}),
        c("surface name as number", T, "surface.name", "unknown surface",
          body={"surface": {"name": 3}}),
        c("surface view as text", T, "surface.view", "four numbers",
          body={"surface": {"name": "booth", "view": "a"}}),
        c("surface params as list", T, "surface.params", "object",
          body={"surface": {"name": "rosenbrock", "params": ["a"]}}),
        c("surface param as text", T, "surface.params.condition_number", "number",
          body={"surface": {"name": "ill_conditioned", "params": {"condition_number": "x"}}}),
        c("expression as number", T, "surface.expression", "string",
          body={"surface": {"expression": 5}}),
        c("runs as object", T, "runs", "list", body={"runs": {}}),
        c("runs as text", T, "runs", "list", body={"runs": "adam"}),
        c("run as null", T, "runs[0]", "object", body={"runs": [None]}),
        c("optimizer as number", T, "runs[0].optimizer", "unknown optimizer",
          body={"runs": [{"optimizer": 1}]}),
        c("optimizer missing", T, "runs[0].optimizer", "unknown optimizer", body={"runs": [{}]}),
        c("params as list", T, "runs[0].params", "object", body=_run(params=[1])),
        c("lr as text", T, "runs[0].params.lr", "number", body=_run(params={"lr": "0.1"})),
        c("lr as bool", T, "runs[0].params.lr", "number", body=_run(params={"lr": True})),
        c("nesterov as text", T, "runs[0].params.nesterov", "true or false",
          body={"runs": [{"optimizer": "sgd", "params": {"nesterov": "yes"}}]}),
        c("schedule as text", T, "runs[0].schedule", "object", body=_run(schedule="StepLR")),
        c("schedule param as text", T, "runs[0].schedule.params.step_size", "integer",
          body=_schedule("StepLR", step_size="a")),
        c("label as number", T, "runs[0].label", "string", body=_run(label=5)),
        c("unknown field", T, "stpes", "unknown field", body={"stpes": 10}),
        c("array body", T, "", "JSON object", body=[1, 2]),
        c("string body", T, "", "JSON object", body="x"),
        # NaN and +-Infinity (not JSON: refused by the parser, which cannot name a field)
        c("steps NaN", T, "body", "NaN", raw=b'{"steps": NaN}'),
        c("noise Infinity", T, "body", "Infinity", raw=b'{"noise": Infinity}'),
        c("start -Infinity", T, "body", "-Infinity", raw=b'{"start": [-Infinity, 0]}'),
        c("lr NaN", T, "body", "NaN",
          raw=b'{"runs": [{"optimizer": "adam", "params": {"lr": NaN}}]}'),
        c("noise 1e999", T, "body", "out of range", raw=b'{"noise": 1e999}'),
        c("noise -1e999", T, "body", "out of range", raw=b'{"noise": -1e999}'),
        # huge numbers
        c("steps 1e30", T, "steps", "[1, 10000]", body={"steps": 10**30}),
        c("steps 400 digits", T, "steps", "finite", raw=b'{"steps": ' + BIG_INT.encode() + b"}"),
        c("seed 400 digits", T, "seed", "finite", raw=b'{"seed": ' + BIG_INT.encode() + b"}"),
        c("lr 400 digits", T, "runs[0].params.lr", "finite",
          raw=b'{"runs": [{"optimizer": "adam", "params": {"lr": ' + BIG_INT.encode() + b"}}]}"),
        c("steps 5000 digits", T, "body", "malformed JSON",
          raw=b'{"steps": 1' + b"0" * 5000 + b"}"),
        c("seed 1e40", T, "seed", "[0, 4294967295]", body={"seed": 10**40}),
        c("lr 1e300", T, "runs[0].params.lr", "[0, 1000]", body=_run(params={"lr": 1e300})),
        c("beta1 1e30", T, "runs[0].params.beta1", "[0, 1)", body=_run(params={"beta1": 10**30})),
        c("start 1e300", T, "start[0]", "finite number in", body={"start": [1e300, 0]}),
        c("view 1e300", T, "surface.view[0]", "finite number in",
          body={"surface": {"name": "booth", "view": [-1e300, 1e300, 0, 1]}}),
        c("condition number 1e300", T, "surface.params.condition_number", "[1, 10000]",
          body={"surface": {"name": "ill_conditioned", "params": {"condition_number": 1e300}}}),
        c("step_size 1e30", T, "runs[0].schedule.params.step_size", "[1, ",
          body=_schedule("StepLR", step_size=10**30)),
        c("batch_size 1e12", T, "batch_size", "[1, ",
          body={"surface": {"name": "linear_regression"}, "batch_size": 10**12}),
        # negative numbers
        c("steps negative", T, "steps", "[1, 10000]", body={"steps": -1}),
        c("noise negative", T, "noise", "[0, 1000]", body={"noise": -1}),
        c("seed negative", T, "seed", "[0, 4294967295]", body={"seed": -1}),
        c("lr negative", T, "runs[0].params.lr", "[0, 1000]", body=_run(params={"lr": -0.1})),
        c("eps negative", T, "runs[0].params.eps", "[0, 1]", body=_run(params={"eps": -1e-8})),
        c("batch_size negative", T, "batch_size", "[1, ",
          body={"surface": {"name": "linear_regression"}, "batch_size": -1}),
        c("milestone negative", T, "runs[0].schedule.params.milestones[0]", "[0, ",
          body=_schedule("MultiStepLR", milestones=[-1])),
        c("start -1e300", T, "start[1]", "finite number in", body={"start": [0, -1e300]}),
        # empty and overlong strings
        c("surface name empty", T, "surface.name", "unknown surface",
          body={"surface": {"name": ""}}),
        c("optimizer empty", T, "runs[0].optimizer", "unknown optimizer",
          body={"runs": [{"optimizer": ""}]}),
        c("schedule name empty", T, "runs[0].schedule.name", "unknown schedule",
          body=_run(schedule={"name": ""})),
        c("surface name 5000 chars", T, "surface.name", "unknown surface",
          body={"surface": {"name": "x" * 5000}}),
        c("optimizer 5000 chars", T, "runs[0].optimizer", "unknown optimizer",
          body={"runs": [{"optimizer": "a" * 5000}]}),
        c("label 41 chars", T, "runs[0].label", "at most 40", body=_run(label="x" * 41)),
        c("label 200k chars", T, "runs[0].label", "at most 40", body=_run(label="x" * 200_000)),
        c("label lone surrogate", T, "runs[0].label", "surrogate", body=_run(label="\ud800")),
        c("expression 6001 chars", T, "surface.expression", "at most 1000",
          body={"surface": {"expression": "x+" * 3000 + "x"}}),
        # too much work
        c("9 runs", T, "runs", "at most 8", body={"runs": [{"optimizer": "sgd"}] * 9}),
        c("1000 runs", T, "runs", "at most 8", body={"runs": [{"optimizer": "sgd"}] * 1000}),
        c("no runs", T, "runs", "1 to 8", body={"runs": []}),
        c("10001 steps", T, "steps", "[1, 10000]", body={"steps": 10_001}),
        c("31 x 999-char LambdaLR x 10000 steps", T, "runs[0].schedule", "per step",
          body={"steps": 10_000, "runs": [{"optimizer": "adam",
                                           "schedule": amplified_schedule()}]}),
        c("8 runs of 31 x 999-char LambdaLR", T, "runs[0].schedule", "per step",
          body={"steps": 10_000, "runs": [{"optimizer": "adam",
                                           "schedule": amplified_schedule()}] * 8}),
        c("459-char min formula x 8 runs x 10000 steps", T, "runs[0]", "per step",
          body={"steps": 10_000, "surface": {"expression": MIN_459},
                "runs": [{"optimizer": "adam"}] * 8}),
        c("100k milestones", T, "body", "larger than", status=413,
          body=_schedule("MultiStepLR", milestones=list(range(100_000)))),
        # malformed and oversize bodies
        c("empty body", T, "body", "empty body", raw=b""),
        c("truncated JSON", T, "body", "malformed JSON", raw=b'{"steps": 10'),
        c("not UTF-8", T, "body", "malformed JSON", raw=b"\xff\xfe\x00"),
        c("100k nested arrays", T, "body", "malformed JSON", raw=b"[" * 100_000),
        c("10 MB body", T, "body", "larger than", status=413, raw=_ten_mb),
        c("10 MB chunked body", T, "body", "larger than", status=413, raw=_ten_mb_chunked),
        c("10 MB to /api/config", "/api/config", "body", "larger than", status=413, raw=_ten_mb),
    ]


def _formula_cases() -> list[BadInput]:
    """Hostile formulas wherever a formula is read: surface, LambdaLR, both query spellings."""
    cases = []
    for name, (text, words) in HOSTILE_FORMULAS.items():
        cases += [
            BadInput(f"surface formula: {name}", T, "surface.expression", words,
                     body={"surface": {"expression": text}}),
            BadInput(f"LambdaLR formula: {name}", T, "runs[0].schedule.params.lr_lambda",
                     words if name != "10k nested parens" else "at most 1000",
                     body=_schedule("LambdaLR", lr_lambda=text)),
            BadInput(f"grid formula: {name}", S, "expression",
                     "at most 1000" if name == "10k nested parens" else words,
                     query="expression=" + _escape(text)),
        ]
        if name != "10k nested parens":  # that one is longer than any accepted query string
            cases.append(BadInput(f"query formula: {name}", T, "expr", words,
                                  query=f"expr={_escape(text)}&r0=sgd"))
    cases.append(BadInput("query formula: 10k nested parens", T, "query", "at most 8192",
                          query=f"expr={_escape(NESTED)}&r0=sgd"))
    return cases


def _query_cases() -> list[BadInput]:
    """GET /api/trajectory (the page's query string) and GET /api/surface."""
    c = BadInput
    return [
        c("query steps NaN", T, "steps", "integer", query="steps=nan&r0=sgd"),
        c("query steps inf", T, "steps", "integer", query="steps=inf&r0=sgd"),
        c("query steps 1e400", T, "steps", "finite", query="steps=1e400&r0=sgd"),
        c("query steps negative", T, "steps", "[1, 10000]", query="steps=-1&r0=sgd"),
        c("query steps as text", T, "steps", "'abc'", query="steps=abc&r0=sgd"),
        c("query 10001 steps", T, "steps", "[1, 10000]", query="steps=10001&r0=sgd"),
        c("query lr NaN", T, "r0.lr", "[0, 1000]", query="r0=adam,lr=nan"),
        c("query lr inf", T, "r0.lr", "[0, 1000]", query="r0=adam,lr=inf"),
        c("query lr -inf", T, "r0.lr", "[0, 1000]", query="r0=adam,lr=-inf"),
        c("query lr 1e300", T, "r0.lr", "[0, 1000]", query="r0=adam,lr=1e300"),
        c("query lr 400 digits", T, "r0.lr", "finite", query=f"r0=adam,lr={BIG_INT}"),
        c("query seed 400 digits", T, "seed", "finite", query=f"seed=-{BIG_INT}&r0=sgd"),
        c("query lr negative", T, "r0.lr", "[0, 1000]", query="r0=adam,lr=-1"),
        c("query start NaN", T, "start", "number", query="start=nan,0&r0=sgd"),
        c("query start 1e300", T, "start", "finite number in", query="start=1e300,0&r0=sgd"),
        c("query view inf", T, "view", "number", query="view=0,1,0,inf&r0=sgd"),
        c("query noise negative", T, "noise", "[0, 1000]", query="noise=-1&r0=sgd"),
        c("query empty optimizer", T, "r0", "unknown optimizer", query="r0="),
        c("query empty surface", T, "surface", "unknown surface", query="surface=&r0=sgd"),
        c("query optimizer 5000 chars", T, "r0", "unknown optimizer", query="r0=" + "a" * 5000),
        c("query label 41 chars", T, "r0.label", "at most 40", query="r0=sgd&r0.label=" + "x" * 41),
        c("query 9000 chars", T, "query", "at most 8192", query="r0=sgd&r0.label=" + "x" * 9000),
        c("query 9 runs", T, "runs", "at most 8", query="&".join(f"r{i}=sgd" for i in range(9))),
        c("query run r1e9", T, "r1000000000", "r0 to r63", query="r1000000000=sgd"),
        c("query hostile LambdaLR", T, "r0.schedule.lr_lambda", "not allowed",
          query="r0=sgd&r0.schedule=LambdaLR,lr_lambda=__import__('os')"),
        c("grid 401 per side", S, "resolution", "[2, 400]", query="resolution=401"),
        c("grid 1e5 per side", S, "resolution", "[2, 400]", query="resolution=100000"),
        c("grid negative", S, "resolution", "[2, 400]", query="resolution=-5"),
        c("grid NaN", S, "resolution", "integer", query="resolution=nan"),
        c("grid empty", S, "resolution", "integer", query="resolution="),
        c("grid log as text", S, "log", "boolean", query="log=perhaps"),
        c("grid view inf", S, "view", "finite", query="view=0,1,0,inf"),
        c("grid view NaN", S, "view", "finite", query="view=nan,1,0,1"),
        c("grid view 1e300", S, "view", "finite number in", query="view=-1e300,1,0,1"),
        c("grid empty name", S, "name", "unknown surface", query="name="),
        c("grid name 5000 chars", S, "name", "unknown surface", query="name=" + "x" * 5000),
        c("grid param inf", S, "condition_number", "[1, 10000]",
          query="name=ill_conditioned&condition_number=inf"),
        c("grid param 400 digits", S, "condition_number", "finite",
          query=f"name=ill_conditioned&condition_number={BIG_INT}"),
        c("grid param negative", S, "condition_number", "[1, 10000]",
          query="name=ill_conditioned&condition_number=-1e300"),
    ]


def _escape(text: str) -> str:
    """Percent-escape a query value (a literal '+' would stay a plus for the codec)."""
    return quote(text, safe="")


BAD_INPUTS: list[BadInput] = _body_cases() + _formula_cases() + _query_cases()
