"""The one NDJSON serializer: standard JSON, NumPy rows written whole, never NaN or Infinity."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import numpy as np
import pytest

from app.api.streaming import _pull, dumps


def test_a_record_is_one_compact_json_line() -> None:
    record = {"type": "end", "run": 0, "values": [0.1, 1e-05, -0.0, 1e300, None, True]}
    line = dumps(record)
    assert line.endswith(b"\n") and line.count(b"\n") == 1 and b" " not in line
    assert json.loads(line) == record


def test_numpy_rows_equal_their_lists() -> None:
    table = np.random.default_rng(0).standard_normal((3, 100)) * 10.0 ** np.arange(-150, 150, 3)
    line = dumps({"x": table[0], "y": table[2]})
    assert json.loads(line) == {"x": table[0].tolist(), "y": table[2].tolist()}


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused_not_written_as_null(bad: float) -> None:
    with pytest.raises(ValueError):
        dumps({"config": {"params": {"lr": bad}}})
    with pytest.raises(ValueError):
        dumps({"rows": [[1.0, None], [2.0, bad]]})
    with pytest.raises(ValueError):
        dumps({"x": np.array([0.0, bad, 1.0])})


def test_a_pull_takes_one_chunk_then_more_while_its_budget_lasts() -> None:
    def chunks() -> Iterator[bytes]:
        yield from (b"a", b"b", b"c")

    producer = chunks()
    assert _pull(producer, 0.0) == ([b"a"], False)
    assert _pull(producer, 60.0) == ([b"b", b"c"], True)
    assert _pull(producer, 60.0) == ([], True)
