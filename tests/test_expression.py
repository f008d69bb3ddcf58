"""Tests for the whitelisted formula parser: values, derivatives, printing and refusals."""

from __future__ import annotations

import random
import warnings
import zlib
from collections.abc import Callable

import numpy as np
import pytest

from app.engine import expression
from app.engine.errors import ConfigError
from app.engine.expression import (
    MAX_DEPTH,
    MAX_LENGTH,
    Expression,
    _parse,
    parse_expression,
)

Fn = Callable[[np.ndarray, np.ndarray], np.ndarray]

# ----------------------------------------------------------------------------------------------
# Values against hand-written NumPy.

VALUE_CASES: list[tuple[str, Fn]] = [
    ("x**2 + 10*y**2", lambda x, y: x**2 + 10 * y**2),
    ("x^2 + 10*y^2", lambda x, y: x**2 + 10 * y**2),
    ("(1 - x)^2 + 100*(y - x^2)^2", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2),
    ("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2),
    ("sin(x)*cos(y)", lambda x, y: np.sin(x) * np.cos(y)),
    ("exp(-(x**2 + y**2))", lambda x, y: np.exp(-(x**2 + y**2))),
    ("log(1 + x**2) - log(2)", lambda x, y: np.log(1 + x**2) - np.log(2)),
    ("sqrt(x**2 + y**2)", lambda x, y: np.sqrt(x**2 + y**2)),
    ("abs(x) + 2*abs(y)", lambda x, y: np.abs(x) + 2 * np.abs(y)),
    ("tanh(x) + sinh(y)/cosh(y)", lambda x, y: np.tanh(x) + np.sinh(y) / np.cosh(y)),
    ("tan(x/4)", lambda x, y: np.tan(x / 4)),
    ("min(x, y)", lambda x, y: np.minimum(x, y)),
    ("max(x, y, 0.5)", lambda x, y: np.maximum(np.maximum(x, y), 0.5)),
    ("pi*x + e*y", lambda x, y: np.pi * x + np.e * y),
    ("1e-3*x - 2.5e2*y", lambda x, y: 1e-3 * x - 2.5e2 * y),
    ("-x**2", lambda x, y: -(x**2)),
    ("2**-x", lambda x, y: 2.0 ** (-x)),
    ("+x - -y", lambda x, y: x + y),
    ("(x + 3)**(y/2)", lambda x, y: (x + 3) ** (y / 2)),
    ("x/y", lambda x, y: x / y),
    ("x^y^2", lambda x, y: np.abs(x) ** (y**2)),
]



class NodeCount:
    """Counts the expression tree nodes built while it is installed (a measure of the work done
    that does not depend on the machine's speed, unlike a time)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.built = 0
        build = expression._Node.__init__

        def counting(node: object, *args: object, **kwargs: object) -> None:
            self.built += 1
            build(node, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(expression._Node, "__init__", counting)

def _grid() -> tuple[np.ndarray, np.ndarray]:
    """A broadcasting pair of inputs (5x1 and 1x7) including zeros and negatives."""
    x = np.linspace(-2.0, 2.0, 5).reshape(5, 1)
    y = np.linspace(-1.5, 1.5, 7).reshape(1, 7)
    return x, y


@pytest.mark.parametrize(("text", "expected"), VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_evaluate_matches_numpy(text: str, expected: Fn) -> None:
    x, y = _grid()
    if text == "x^y^2":
        x = np.abs(x)
    got = parse_expression(text).evaluate(x=x, y=y)
    with np.errstate(all="ignore"):
        want = np.broadcast_to(expected(x, y), (5, 7))
    assert got.dtype == np.float64 and got.shape == (5, 7)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13, equal_nan=True)


@pytest.mark.parametrize(("text", "expected"), VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_scalar_evaluation_agrees_with_arrays(text: str, expected: Fn) -> None:
    expr = parse_expression(text)
    x, y = 0.7, 1.3
    scalar = expr.evaluate(x=x, y=y)
    array = expr.evaluate(x=np.array([x]), y=np.array([y]))
    assert isinstance(scalar, np.ndarray) and scalar.shape == ()
    np.testing.assert_allclose(scalar, array[0], rtol=1e-14)


def test_constant_formula_broadcasts_to_input_shape() -> None:
    x, y = _grid()
    out = parse_expression("3").evaluate(x=x, y=y)
    assert out.shape == (5, 7) and np.all(out == 3.0)
    out[0, 0] = 1.0  # the result is a fresh, writable array
    assert parse_expression("x").evaluate(x=x, y=y)[0, 0] == -2.0


def test_errors_become_inf_and_nan_without_warnings() -> None:
    expr = parse_expression("log(x) + 1/y + sqrt(x - 1)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scalar = expr.evaluate(x=0.0, y=0.0)
        array = expr.evaluate(x=np.array([0.0, 4.0]), y=np.array([0.0, 1.0]))
        big = parse_expression("exp(x)*cosh(y)").evaluate(x=1000.0, y=1000.0)
    assert np.isnan(scalar)
    assert np.isnan(array[0]) and array[1] == pytest.approx(np.log(4) + 1 + np.sqrt(3))
    assert big == np.inf


def test_lambda_lr_multiplier() -> None:
    expr = parse_expression("min(1, (k+1)/10)", ("k",))
    assert expr.evaluate(k=3.0) == 0.4
    assert expr.evaluate(k=20.0) == 1.0
    assert expr.variables == ("k",)


def test_power_is_bit_for_bit_python_for_scalars() -> None:
    expr = parse_expression("0.95**k", ("k",))
    for k in range(300):
        assert float(expr.evaluate(k=float(k))) == 0.95**k, k
    assert float(parse_expression("0.5*0.9^k", ("k",)).evaluate(k=21.0)) == 0.5 * 0.9**21


def test_evaluate_requires_the_variables_it_uses() -> None:
    expr = parse_expression("x + 1")
    assert expr.evaluate(x=1.0) == 2.0
    with pytest.raises(TypeError, match="missing"):
        expr.evaluate(y=1.0)
    with pytest.raises(TypeError, match="unknown"):
        expr.evaluate(x=1.0, z=2.0)


# ----------------------------------------------------------------------------------------------
# Symbolic derivatives against central differences.

DERIVATIVE_CASES = [
    "(1 - x)^2 + 100*(y - x^2)^2",
    "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "sin(x)*cos(y)",
    "exp(-(x**2 + y**2)/2)",
    "log(1 + x**2 + y**2)",
    "sqrt(x**2 + y**2 + 1)",
    "abs(x - y) + abs(x)",
    "min(x**2, y**2 + 0.1)",
    "max(x, y, x*y)",
    "max(sin(x), cos(y))*min(x, y)",
    "tanh(x*y)",
    "sinh(x) - cosh(y)",
    "tan(x/3)",
    "x**y",
    "(x + 2)**(y/2)",
    "2**x * 3**(-y)",
    "x**pi + e**(x*y)",
    "(x**2 + 1)**-1.5",
    "x/y - y/x",
    "1/(1 + exp(-x*y))",
    "cos(x)**2 + sin(y)**3",
    "x^y^2",
    "0.5*x^2 + 2*y^2 - x*y",
]


def _central(expr: Expression, var: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Central difference with a step scaled to the point."""
    base = x if var == "x" else y
    h = 1e-5 * np.maximum(1.0, np.abs(base))
    if var == "x":
        return (expr.evaluate(x=x + h, y=y) - expr.evaluate(x=x - h, y=y)) / (2 * h)
    return (expr.evaluate(x=x, y=y + h) - expr.evaluate(x=x, y=y - h)) / (2 * h)


@pytest.mark.parametrize("text", DERIVATIVE_CASES)
@pytest.mark.parametrize("var", ["x", "y"])
def test_derivative_matches_central_differences(text: str, var: str) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{text}|{var}".encode()))
    x = rng.uniform(0.3, 1.7, 40)
    y = rng.uniform(0.3, 1.7, 40)
    expr = parse_expression(text)
    exact = expr.derivative(var).evaluate(x=x, y=y)
    numeric = _central(expr, var, x, y)
    scale = np.maximum(1.0, np.abs(expr.evaluate(x=x, y=y)))
    np.testing.assert_allclose(exact, numeric, rtol=1e-6, atol=1e-7 * scale.max())


@pytest.mark.parametrize("text", DERIVATIVE_CASES[:8])
def test_second_derivative_matches_differences_of_the_first(text: str) -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(0.3, 1.7, 20)
    y = rng.uniform(0.3, 1.7, 20)
    dx = parse_expression(text).derivative("x")
    exact = dx.derivative("y").evaluate(x=x, y=y)
    np.testing.assert_allclose(exact, _central(dx, "y", x, y), rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize(
    ("text", "var", "expected"),
    [
        ("x**2", "x", "2*x"),
        ("3*y", "x", "0"),
        ("x*y + 0*x", "x", "y"),
        ("1*x + 0", "x", "1"),
        ("10*y**2", "y", "20*y"),
        ("-(2*x)", "x", "-2"),
        ("abs(x)", "x", "sign(x)"),
        ("min(x, y)", "x", "pickmin(x, y, 1, 0)"),
        ("exp(2*x)", "x", "2*exp(2*x)"),
    ],
)
def test_derivatives_are_simplified(text: str, var: str, expected: str) -> None:
    assert str(parse_expression(text).derivative(var)) == expected


def test_derivative_of_constant_is_zero_with_input_shape() -> None:
    x, y = _grid()
    d = parse_expression("sin(y)").derivative("x")
    assert d.size == 1 and not d.depends_on("x")
    assert np.array_equal(d.evaluate(x=x, y=y), np.zeros((5, 7)))


def test_min_max_ties_pick_the_first_argument() -> None:
    dmin = parse_expression("min(x, 2*x)").derivative("x")
    dmax = parse_expression("max(2*x, x)").derivative("x")
    assert dmin.evaluate(x=0.0, y=0.0) == 1.0
    assert dmax.evaluate(x=0.0, y=0.0) == 2.0
    assert np.array_equal(dmin.evaluate(x=np.array([-1.0, 0.0, 1.0])), [2.0, 1.0, 1.0])


def test_derivative_rejects_unknown_variable() -> None:
    with pytest.raises(ValueError):
        parse_expression("x").derivative("z")


def test_derivative_size_is_capped_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "*".join(["(x+1)"] * 120)
    count = NodeCount(monkeypatch)
    with pytest.raises(ConfigError, match="too complex to differentiate") as info:
        parse_expression(text, field="surface.formula").derivative("x")
    assert count.built <= 2 * expression.MAX_DERIVATIVE_NODES
    assert info.value.field == "surface.formula"


# ----------------------------------------------------------------------------------------------
# Printing: LaTeX and round-tripping text.


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("x**2 + 10*y**2", "x^{2} + 10 y^{2}"),
        ("sin(x)", r"\sin\left(x\right)"),
        ("x/y", r"\frac{x}{y}"),
        ("sqrt(x)", r"\sqrt{x}"),
        ("abs(x - y)", r"\left|x - y\right|"),
        ("log(x)", r"\ln\left(x\right)"),
        ("pi*x", r"\pi x"),
        ("1e-5*x", "10^{-5} x"),
        ("2*3**x", r"2 \cdot 3^{x}"),
        ("(x + y)**2", r"\left(x + y\right)^{2}"),
        ("x - (y - 1)", r"x - \left(y - 1\right)"),
        ("min(x, y)", r"\min\left(x, y\right)"),
    ],
)
def test_latex(text: str, latex: str) -> None:
    assert parse_expression(text).latex() == latex


ROUND_TRIP = [c[0] for c in VALUE_CASES] + DERIVATIVE_CASES + [
    "(-2)**x", "x - (y - 1)", "x*(y*2)", "-(x*y)", "x**(-1)", "(x**y)**2", "2/(3*x)",
    "1e12*x", "0.1 + 0.2*x", "1.5e-7/x", "x - -3*y", "-x/2",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_text_round_trips(text: str) -> None:
    x, y = _grid()
    expr = parse_expression(text)
    again = parse_expression(str(expr))
    assert again == expr and str(again) == str(expr)
    assert np.array_equal(again.evaluate(x=x, y=y), expr.evaluate(x=x, y=y), equal_nan=True)
    assert isinstance(expr.latex(), str) and expr.latex()


@pytest.mark.parametrize("text", DERIVATIVE_CASES)
def test_derivative_text_round_trips(text: str) -> None:
    x, y = _grid()
    for d in (parse_expression(text).derivative("x"), parse_expression(text).derivative("y")):
        again = _parse(str(d), ("x", "y"), "expression", trusted=True)
        assert again == d
        assert np.array_equal(again.evaluate(x=x, y=y), d.evaluate(x=x, y=y), equal_nan=True)
        assert d.latex()


def _random_formula(rng: random.Random, depth: int) -> str:
    """A random formula from the accepted grammar (numbers, names, operators, functions)."""
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(["x", "y", "pi", "e", "0", "1", "2", "0.5", "3e-3", "-1", "-2.5"])
    kind = rng.random()
    a = _random_formula(rng, depth - 1)
    if kind < 0.15:
        return rng.choice(["-", "+"]) + "(" + a + ")"
    if kind < 0.7:
        b = _random_formula(rng, depth - 1)
        op = rng.choice(["+", "-", "*", "/", "**", "^"])
        if op in ("**", "^"):
            b = rng.choice(["2", "3", "-1", "0.5", "y", "(x*y)", "(" + b + ")"])
        return f"({a}){op}({b})" if rng.random() < 0.5 else f"{a} {op} {b}"
    name = rng.choice(["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh"])
    if rng.random() < 0.2:
        return f"{rng.choice(['min', 'max'])}({a}, {_random_formula(rng, depth - 1)})"
    return f"{name}({a})"


def test_random_formulas_round_trip_with_their_derivatives() -> None:
    rng = random.Random(1234)
    x, y = _grid()
    checked = 0
    for _ in range(400):
        try:
            expr = parse_expression(_random_formula(rng, 4))
        except ConfigError:
            continue
        checked += 1
        assert parse_expression(str(expr)) == expr, str(expr)
        for var in ("x", "y"):
            try:
                d = expr.derivative(var)
            except ConfigError:
                continue
            again = _parse(str(d), ("x", "y"), "expression", trusted=True)
            assert again == d, str(d)
            want = d.evaluate(x=x, y=y)
            assert np.array_equal(again.evaluate(x=x, y=y), want, equal_nan=True)
    assert checked > 300


def test_size_and_immutability() -> None:
    expr = parse_expression("x + 1")
    assert expr.size == 3
    assert parse_expression("sin(x)*y").size == 4
    with pytest.raises(AttributeError):
        expr.size = 1  # type: ignore[misc]
    assert hash(expr) == hash(parse_expression("x+1"))


# ----------------------------------------------------------------------------------------------
# Refusals: each is a ConfigError naming the field, found quickly.

REFUSED = [
    ("dunder import", "__import__('os')", "'__import__'"),
    ("class via tuple", "().__class__", "attribute access is not allowed"),
    ("attribute", "x.real", "attribute access is not allowed"),
    ("lambda", "lambda: 1", "lambda is not allowed"),
    ("subscript", "[1][0]", "indexing is not allowed"),
    ("string", "'a'", "strings are not allowed"),
    ("f-string", "f'{x}'", "strings are not allowed"),
    ("conditional", "x if y else 1", "conditional"),
    ("comparison", "x < y", "comparisons are not allowed"),
    ("boolean", "x and y", "'and' / 'or'"),
    ("walrus", "(z := 1)", "assignment"),
    ("unknown function", "foo(x)", "function 'foo' is not allowed"),
    ("sin two args", "sin(x, y)", "sin takes 1 argument"),
    ("sqrt no args", "sqrt()", "sqrt takes 1 argument"),
    ("max one arg", "max(x)", "max takes at least 2 arguments"),
    ("keyword arg", "max(x, y=1)", "keyword arguments"),
    ("starred arg", "max(*x)", "starred"),
    ("internal function", "sign(x)", "function 'sign' is not allowed"),
    ("function as value", "sin + x", "must be called"),
    ("variable as function", "x(y)", "'x' is not a function"),
    ("call of call", "sin(x)(y)", "only these functions"),
    ("power tower", "9**9**9**9", "exponent too large"),
    ("big exponent", "x**101", "exponent too large"),
    ("huge literal", "1e400", "constant 1e400 is too large"),
    ("big literal", "2e12*x", "too large"),
    ("big constant", "1e12*1e12", "too large"),
    ("division by zero", "x + 1/0", "not a finite number"),
    ("log of zero", "log(0)*x", "not a finite number"),
    ("complex", "2j", "imaginary"),
    ("true", "True", "only numbers"),
    ("modulo", "x % 2", "operator '%'"),
    ("floor division", "x // 2", "operator '//'"),
    ("bitwise not", "~x", "operator '~'"),
    ("list", "[x, y]", "lists"),
    ("tuple", "x, y", "lists"),
    ("ten kilobytes", "x+" * 5120, "too long: 10240 characters (at most 1000)"),
    ("deep parens", "(" * 10000 + "x" + ")" * 10000, "too long"),
    ("41 parens", "(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), "nested too deeply"),
    ("41 brackets", "[" * (MAX_DEPTH + 1) + "x" + "]" * (MAX_DEPTH + 1), "nested too deeply"),
    ("too many nodes", "x+" * 300 + "x", "too many terms"),
    ("empty", "", "empty formula"),
    ("whitespace", "   \t ", "empty formula"),
    ("unknown variable", "x + z", "unknown name 'z'; allowed: x, y, pi, e, sin"),
    ("syntax", "x + * y", "syntax error at column 5"),
    ("unclosed", "sin(x", "syntax error"),
    ("implicit product", "2x", "syntax error"),
    ("non-ascii", "x·y", "character '·' at column 2"),
    ("null byte", "x\x00", "at column 2"),
    ("statement", "import os", "syntax error"),
]


@pytest.mark.parametrize(
    ("text", "fragment"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_refused(text: str, fragment: str, monkeypatch: pytest.MonkeyPatch) -> None:
    count = NodeCount(monkeypatch)
    with pytest.raises(ConfigError) as info:
        parse_expression(text, field="runs[0].surface.formula")
    assert count.built <= 2 * expression.MAX_NODES  # refused while parsing, before any blow-up
    assert info.value.field == "runs[0].surface.formula"
    assert fragment in info.value.message
    assert str(info.value).startswith("runs[0].surface.formula: ")


def test_syntax_error_column_counts_caret_as_one_character() -> None:
    with pytest.raises(ConfigError, match="syntax error at column 7"):
        parse_expression("x^2 + * y")


def test_variables_are_configurable() -> None:
    assert parse_expression("0.95**k", ("k",)).evaluate(k=2.0) == pytest.approx(0.9025)
    with pytest.raises(ConfigError, match="unknown name 'x'; allowed: k, pi"):
        parse_expression("x", ("k",))
    with pytest.raises(ValueError):
        parse_expression("1", ("sin",))


def test_max_length_formula_is_accepted() -> None:
    text = "+".join(["x"] * 250) + " " * (MAX_LENGTH - 499)
    assert len(text) == MAX_LENGTH
    assert parse_expression(text).evaluate(x=1.0) == 250.0


@pytest.mark.parametrize(
    "text",
    [
        "-" * 999 + "x",
        "x**" * 166 + "x",
        "sin(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH,
        "*".join(["tanh(tanh(tanh(tanh(x))))"] * 38),
        "*".join(["exp(x)"] * 142),
        "/".join(["log(x)"] * 142),
        "((((((x**y)**y)**y)**y)**y)**y)**y",
    ],
    ids=["unary chain", "power tower", "deep calls", "long product", "exp product",
         "log quotient", "nested powers"],
)
def test_pathological_inputs_finish_quickly(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsing and differentiating twice builds a bounded number of tree nodes: an exponential
    blow-up would build millions."""
    assert len(text) <= MAX_LENGTH
    count = NodeCount(monkeypatch)
    try:
        expr = parse_expression(text)
        expr.derivative("x").derivative("x")
    except ConfigError:
        pass
    assert 0 < count.built <= expression.MAX_DERIVATIVE_NODES  # 117 to 1543 of them today
