"""Whitelisted formulas typed by users: custom loss surfaces in x, y and LambdaLR multipliers in k.

Text is parsed with ``ast.parse(mode="eval")`` and the tree is walked against a whitelist of node
types; nothing is ever handed to eval/exec/compile. Formulas become immutable expression trees that
evaluate with NumPy, differentiate symbolically (with simplification), print back to text that
parses to an equal tree, and render to LaTeX. Every walk over a tree is iterative, so a formula's
depth never meets Python's recursion limit, and the length, nesting, node-count and derivative-size
caps keep parsing and differentiation within milliseconds for any accepted input.

Evaluation on scalars (Python floats or 0-d arrays) runs in Python floats with the ``math``
module, so e.g. ``0.95**k`` is bit-for-bit Python's own ``0.95**k`` (what torch's LambdaLR
computes); evaluation on arrays uses NumPy ufuncs, which on SIMD builds may differ from ``math``
in the last bit for pow/exp/log/tan and the hyperbolic functions.
"""

from __future__ import annotations

import ast
import keyword
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .errors import ConfigError

MAX_LENGTH = 1000
MAX_DEPTH = 40
MAX_NODES = 500
MAX_LITERAL = 1e12
MAX_EXPONENT = 100.0
MAX_CONSTANT = 1e15
MAX_DERIVATIVE_NODES = 20000
MEMO_NODES = 100_000  # tree nodes of the parsed formulas (and of the derivatives, LaTeX)
# kept by text: a repeated formula is free; the bound keeps a few tens of MB at most

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
UNARY_FUNCTIONS: tuple[str, ...] = (
    "sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh",
)
VARIADIC_FUNCTIONS: tuple[str, ...] = ("min", "max")
FUNCTIONS: tuple[str, ...] = UNARY_FUNCTIONS + VARIADIC_FUNCTIONS
# Node kinds that only derivatives produce: sign(u) and "the d_i whose a_i is the first min/max".
_INTERNAL_FUNCTIONS: tuple[str, ...] = ("sign", "pickmin", "pickmax")
_RESERVED = frozenset(CONSTANTS) | frozenset(FUNCTIONS) | frozenset(_INTERNAL_FUNCTIONS)


# ----------------------------------------------------------------------------------------------
# Scalar (math) and array (NumPy) implementations of every node kind.


def _guarded(fast: Callable[..., float], ieee: Callable[..., Any]) -> Callable[..., float]:
    """Wrap a ``math`` function so domain/overflow errors yield NumPy's IEEE inf/nan instead."""

    def run(*args: float) -> float:
        try:
            return float(fast(*args))
        except (ValueError, OverflowError, ZeroDivisionError):
            with np.errstate(all="ignore"):
                return float(ieee(*(np.float64(a) for a in args)))

    return run


def _scalar_min(*args: float) -> float:
    """Elementwise-min semantics on floats: NaN anywhere gives NaN, like np.minimum."""
    best = args[0]
    for a in args[1:]:
        if a != a or (best == best and a < best):
            best = a
    return best


def _scalar_max(*args: float) -> float:
    """Elementwise-max semantics on floats: NaN anywhere gives NaN, like np.maximum."""
    best = args[0]
    for a in args[1:]:
        if a != a or (best == best and a > best):
            best = a
    return best


def _scalar_sign(a: float) -> float:
    """np.sign on a float: -1, 0 or 1, NaN stays NaN."""
    return 1.0 if a > 0 else -1.0 if a < 0 else a


def _scalar_pick(args: tuple[float, ...], smaller: bool) -> float:
    """The d_i paired with the first a_i that is the min (or max) of a_1..a_n."""
    n = len(args) // 2
    best, out = args[0], args[n]
    for i in range(1, n):
        a = args[i]
        if (a < best) if smaller else (a > best):
            best, out = a, args[n + i]
    return out


def _array_pick(args: tuple[Any, ...], smaller: bool) -> Any:
    """Array version of _scalar_pick (ties and NaNs keep the earlier argument)."""
    n = len(args) // 2
    best, out = args[0], args[n]
    for i in range(1, n):
        a = args[i]
        take = np.less(a, best) if smaller else np.greater(a, best)
        out = np.where(take, args[n + i], out)
        best = np.where(take, a, best)
    return out


_SCALAR: dict[str, Callable[..., float]] = {
    "neg": lambda a: -a,
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": _guarded(lambda a, b: a / b, np.divide),
    "pow": _guarded(math.pow, np.power),
    "sin": _guarded(math.sin, np.sin),
    "cos": _guarded(math.cos, np.cos),
    "tan": _guarded(math.tan, np.tan),
    "exp": _guarded(math.exp, np.exp),
    "log": _guarded(math.log, np.log),
    "sqrt": _guarded(math.sqrt, np.sqrt),
    "abs": abs,
    "tanh": _guarded(math.tanh, np.tanh),
    "sinh": _guarded(math.sinh, np.sinh),
    "cosh": _guarded(math.cosh, np.cosh),
    "min": _scalar_min,
    "max": _scalar_max,
    "sign": _scalar_sign,
    "pickmin": lambda *a: _scalar_pick(a, True),
    "pickmax": lambda *a: _scalar_pick(a, False),
}

_ARRAY: dict[str, Callable[..., Any]] = {
    "neg": np.negative,
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.true_divide,
    "pow": np.power,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "min": lambda *a: _reduce(np.minimum, a),
    "max": lambda *a: _reduce(np.maximum, a),
    "sign": np.sign,
    "pickmin": lambda *a: _array_pick(a, True),
    "pickmax": lambda *a: _array_pick(a, False),
}


def _reduce(ufunc: Callable[[Any, Any], Any], args: tuple[Any, ...]) -> Any:
    """Fold a binary ufunc left to right over the arguments."""
    out = args[0]
    for a in args[1:]:
        out = ufunc(out, a)
    return out


# ----------------------------------------------------------------------------------------------
# Tree nodes and the simplifying constructors.


class _Node:
    """One immutable tree node; size, hash, free variables and constant value are precomputed."""

    __slots__ = ("op", "args", "value", "name", "size", "free", "const", "_hash")

    op: str
    args: tuple[_Node, ...]
    value: float
    name: str
    size: int
    free: frozenset[str]
    const: float | None
    _hash: int

    def __init__(
        self, op: str, args: tuple[_Node, ...] = (), value: float = 0.0, name: str = ""
    ) -> None:
        """Build a node; derived facts come from the children, so nothing here recurses."""
        put = object.__setattr__
        put(self, "op", op)
        put(self, "args", args)
        put(self, "value", value)
        put(self, "name", name)
        put(self, "size", 1 + sum(a.size for a in args))
        free: frozenset[str] = frozenset((name,)) if op == "var" else frozenset()
        for a in args:
            if a.free:
                free = free | a.free
        put(self, "free", free)
        const: float | None
        if op == "num":
            const = value
        elif op == "const":
            const = CONSTANTS[name]
        elif op == "var" or free:
            const = None
        else:
            const = _SCALAR[op](*(a.const for a in args))
        put(self, "const", const)
        put(self, "_hash", hash((op, value, name, tuple(a._hash for a in args))))

    def __setattr__(self, key: str, value: Any) -> None:
        """Nodes are immutable."""
        raise AttributeError("expression nodes are immutable")

    def __hash__(self) -> int:
        """Precomputed structural hash."""
        return self._hash

    def __eq__(self, other: object) -> bool:
        """Structural equality, compared iteratively (shared subtrees are compared once)."""
        if not isinstance(other, _Node):
            return NotImplemented
        stack: list[tuple[_Node, _Node]] = [(self, other)]
        seen: set[tuple[int, int]] = set()
        while stack:
            a, b = stack.pop()
            if a is b or (id(a), id(b)) in seen:
                continue
            seen.add((id(a), id(b)))
            if (
                a._hash != b._hash or a.op != b.op or a.value != b.value or a.name != b.name
                or len(a.args) != len(b.args)
            ):
                return False
            stack.extend(zip(a.args, b.args, strict=True))
        return True


def _postorder(root: _Node) -> list[_Node]:
    """Every distinct node object once, children before parents, without recursion."""
    order: list[_Node] = []
    seen: set[int] = set()
    stack: list[tuple[_Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for child in reversed(node.args):
            if id(child) not in seen:
                stack.append((child, False))
    return order


def _num(value: float) -> _Node:
    """A number leaf (-0.0 is stored as 0.0 so it prints and compares plainly)."""
    return _Node("num", value=float(value) + 0.0)


_ZERO = _num(0.0)
_ONE = _num(1.0)
_TWO = _num(2.0)


def _is(node: _Node, value: float) -> bool:
    """Whether the node is the number ``value``."""
    return node.op == "num" and node.value == value


def _fold(op: str, *args: _Node) -> _Node | None:
    """Fold arithmetic on number leaves when the result is a finite, printable literal."""
    if not all(a.op == "num" for a in args):
        return None
    result = _SCALAR[op](*(a.value for a in args))
    if math.isfinite(result) and abs(result) <= MAX_LITERAL:
        return _num(result)
    return None


def _neg(a: _Node) -> _Node:
    """-a, with -(number) folded, -(-a) -> a and -(c*t) -> (-c)*t."""
    if a.op == "num":
        return _num(-a.value)
    if a.op == "neg":
        return a.args[0]
    if a.op in ("mul", "div") and a.args[0].op == "num":
        return _BUILD[a.op](_num(-a.args[0].value), a.args[1])
    return _Node("neg", (a,))


def _flip_sign(b: _Node) -> _Node | None:
    """-b when b visibly carries a minus sign (-c, -t, -c*t, -c/t), else None; exact in IEEE."""
    if b.op == "num" and b.value < 0:
        return _num(-b.value)
    if b.op == "neg":
        return b.args[0]
    if b.op in ("mul", "div") and b.args[0].op == "num" and b.args[0].value < 0:
        return _BUILD[b.op](_num(-b.args[0].value), b.args[1])
    return None


def _add(a: _Node, b: _Node) -> _Node:
    """a + b, simplified (0 + a -> a, a + (-b) -> a - b, numbers folded)."""
    folded = _fold("add", a, b)
    if folded is not None:
        return folded
    if _is(a, 0.0):
        return b
    if _is(b, 0.0):
        return a
    flipped = _flip_sign(b)
    if flipped is not None:
        return _sub(a, flipped)
    return _Node("add", (a, b))


def _sub(a: _Node, b: _Node) -> _Node:
    """a - b, simplified (a - 0 -> a, 0 - a -> -a, a - (-b) -> a + b, numbers folded)."""
    folded = _fold("sub", a, b)
    if folded is not None:
        return folded
    if _is(b, 0.0):
        return a
    if _is(a, 0.0):
        return _neg(b)
    flipped = _flip_sign(b)
    if flipped is not None:
        return _add(a, flipped)
    return _Node("sub", (a, b))


def _mul(a: _Node, b: _Node) -> _Node:
    """a * b, simplified (0*a -> 0, 1*a -> a, signs pulled out, numbers first and folded)."""
    folded = _fold("mul", a, b)
    if folded is not None:
        return folded
    if b.op == "num" and a.op != "num":
        a, b = b, a
    if a.op == "num":
        if a.value == 0.0:
            return _ZERO
        if a.value == 1.0:
            return b
        if a.value == -1.0:
            return _neg(b)
        if b.op == "neg":
            return _mul(_num(-a.value), b.args[0])
        if b.op == "mul" and b.args[0].op == "num":
            inner = _fold("mul", a, b.args[0])
            if inner is not None:
                return _mul(inner, b.args[1])
    elif a.op == "neg":
        return _neg(_mul(a.args[0], b))
    if b.op == "neg":
        return _neg(_mul(a, b.args[0]))
    return _Node("mul", (a, b))


def _div(a: _Node, b: _Node) -> _Node:
    """a / b, simplified (a/1 -> a, 0/a -> 0, signs pulled out, numbers folded)."""
    folded = _fold("div", a, b)
    if folded is not None:
        return folded
    if _is(b, 1.0):
        return a
    if _is(b, -1.0):
        return _neg(a)
    if _is(a, 0.0):
        return _ZERO
    if a.op == "neg":
        return _neg(_div(a.args[0], b))
    if b.op == "neg":
        return _neg(_div(a, b.args[0]))
    return _Node("div", (a, b))


def _pow(a: _Node, b: _Node) -> _Node:
    """a ** b, simplified (a**1 -> a, a**0 -> 1, 1**a -> 1, numbers folded)."""
    folded = _fold("pow", a, b)
    if folded is not None:
        return folded
    if _is(b, 1.0):
        return a
    if _is(b, 0.0) or _is(a, 1.0):
        return _ONE
    return _Node("pow", (a, b))


def _call(name: str, args: tuple[_Node, ...]) -> _Node:
    """A function node; a pick whose candidate derivatives are all equal is just that one."""
    if name in ("pickmin", "pickmax"):
        picks = args[len(args) // 2:]
        if all(p == picks[0] for p in picks[1:]):
            return picks[0]
    return _Node(name, args)


_BUILD: dict[str, Callable[[_Node, _Node], _Node]] = {
    "add": _add, "sub": _sub, "mul": _mul, "div": _div, "pow": _pow,
}


# ----------------------------------------------------------------------------------------------
# Symbolic differentiation.


def _derive_node(node: _Node, d: list[_Node], var: str) -> _Node:
    """d(node)/d(var) given the derivatives ``d`` of its arguments (chain rule applied here)."""
    op, args = node.op, node.args
    if op == "var":
        return _ONE if node.name == var else _ZERO
    if op in ("num", "const", "sign"):
        return _ZERO
    if op == "neg":
        return _neg(d[0])
    if op == "add":
        return _add(d[0], d[1])
    if op == "sub":
        return _sub(d[0], d[1])
    if op == "mul":
        return _add(_mul(d[0], args[1]), _mul(args[0], d[1]))
    if op == "div":
        u, v = args
        return _sub(_div(d[0], v), _div(_mul(u, d[1]), _pow(v, _TWO)))
    if op == "pow":
        u, v = args
        if var not in v.free:
            return _mul(_mul(v, _pow(u, _sub(v, _ONE))), d[0])
        if var not in u.free:
            return _mul(_mul(node, _Node("log", (u,))), d[1])
        inner = _add(_mul(d[1], _Node("log", (u,))), _div(_mul(v, d[0]), u))
        return _mul(node, inner)
    if op in ("min", "max"):
        return _call("pick" + op, args + tuple(d))
    if op in ("pickmin", "pickmax"):
        n = len(args) // 2
        return _call(op, args[:n] + tuple(d[n:]))
    u, du = args[0], d[0]
    if op == "log":
        return _div(du, u)
    if op == "sqrt":
        return _div(du, _mul(_TWO, node))
    if op == "tan":
        return _div(du, _pow(_Node("cos", (u,)), _TWO))
    factor = {
        "sin": lambda: _Node("cos", (u,)),
        "cos": lambda: _neg(_Node("sin", (u,))),
        "exp": lambda: node,
        "abs": lambda: _Node("sign", (u,)),
        "tanh": lambda: _sub(_ONE, _pow(node, _TWO)),
        "sinh": lambda: _Node("cosh", (u,)),
        "cosh": lambda: _Node("sinh", (u,)),
    }[op]()
    return _mul(factor, du)


def _derivative(root: _Node, var: str, field: str) -> _Node:
    """The simplified derivative of the tree, computed bottom-up over shared nodes."""
    done: dict[int, _Node] = {}
    for node in _postorder(root):
        if var not in node.free:
            done[id(node)] = _ZERO
            continue
        result = _derive_node(node, [done[id(a)] for a in node.args], var)
        if result.size > MAX_DERIVATIVE_NODES:
            raise ConfigError(
                field,
                f"formula too complex to differentiate (derivative exceeds "
                f"{MAX_DERIVATIVE_NODES} nodes)",
            )
        done[id(node)] = result
    return done[id(root)]


# ----------------------------------------------------------------------------------------------
# Printing: canonical text and LaTeX.

_PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_ATOM = 5


def _format_number(value: float) -> str:
    """Shortest text that reads back as exactly this float; integers without a decimal point."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _number_prec(value: float) -> int:
    """A negative number binds like unary minus."""
    return 3 if value < 0 else _ATOM


def _to_text(root: _Node) -> str:
    """Canonical Python-syntax text for the tree; parsing it back gives an equal tree."""
    out: dict[int, tuple[str, int]] = {}
    for node in _postorder(root):
        parts = [out[id(a)] for a in node.args]
        op = node.op
        if op == "num":
            out[id(node)] = (_format_number(node.value), _number_prec(node.value))
        elif op in ("var", "const"):
            out[id(node)] = (node.name, _ATOM)
        elif op == "neg":
            (t, p), = parts
            out[id(node)] = ("-" + (f"({t})" if p < 3 else t), 3)
        elif op in ("add", "sub", "mul", "div"):
            level = _PREC[op]
            (lt, lp), (rt, rp) = parts
            left = f"({lt})" if lp < level else lt
            right = f"({rt})" if rp <= level or rp == 3 else rt
            sym = {"add": " + ", "sub": " - ", "mul": "*", "div": "/"}[op]
            out[id(node)] = (left + sym + right, level)
        elif op == "pow":
            (lt, lp), (rt, rp) = parts
            left = f"({lt})" if lp < _ATOM else lt
            right = f"({rt})" if rp < 4 else rt
            out[id(node)] = (f"{left}**{right}", 4)
        else:
            out[id(node)] = (f"{op}({', '.join(t for t, _ in parts)})", _ATOM)
    return out[id(root)][0]


def _latex_number(value: float) -> str:
    """A number in LaTeX: 1.5 \\cdot 10^{-5} rather than 1.5e-05."""
    text = _format_number(value)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    power = f"10^{{{int(exponent)}}}"
    if mantissa in ("1", "1.0"):
        return power
    if mantissa in ("-1", "-1.0"):
        return "-" + power
    return f"{mantissa} \\cdot {power}"


_LATEX_FUNCS = {
    "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "exp": r"\exp", "log": r"\ln",
    "tanh": r"\tanh", "sinh": r"\sinh", "cosh": r"\cosh", "min": r"\min", "max": r"\max",
    "sign": r"\operatorname{sign}", "pickmin": r"\operatorname{pickmin}",
    "pickmax": r"\operatorname{pickmax}",
}


def _paren(text: str) -> str:
    """Wrap in auto-sized LaTeX parentheses."""
    return rf"\left({text}\right)"


def _latex_name(name: str) -> str:
    """A variable or constant name in LaTeX."""
    if name == "pi":
        return r"\pi"
    if len(name) == 1:
        return name
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def _to_latex(root: _Node) -> str:
    """LaTeX for display: fractions, superscripts, implicit products where unambiguous."""
    out: dict[int, tuple[str, int]] = {}
    for node in _postorder(root):
        parts = [out[id(a)] for a in node.args]
        op = node.op
        if op == "num":
            out[id(node)] = (_latex_number(node.value), _number_prec(node.value))
        elif op in ("var", "const"):
            out[id(node)] = (_latex_name(node.name), _ATOM)
        elif op == "neg":
            (t, p), = parts
            out[id(node)] = ("-" + (_paren(t) if p < 2 else t), 3)
        elif op in ("add", "sub"):
            (lt, _), (rt, rp) = parts
            right = _paren(rt) if (op == "sub" and rp <= 1) or rp == 3 else rt
            out[id(node)] = (f"{lt} {'+' if op == 'add' else '-'} {right}", 1)
        elif op == "mul":
            (lt, lp), (rt, rp) = parts
            left = _paren(lt) if lp < 2 else lt
            right = _paren(rt) if rp < 2 or rp == 3 else rt
            explicit = right[:1].isdigit() or right[:1] in ".-" or node.args[1].op == "div"
            out[id(node)] = (left + (r" \cdot " if explicit else " ") + right, 2)
        elif op == "div":
            (lt, _), (rt, _) = parts
            out[id(node)] = (rf"\frac{{{lt}}}{{{rt}}}", 4)
        elif op == "pow":
            (lt, lp), (rt, _) = parts
            base = _paren(lt) if lp < _ATOM else lt
            out[id(node)] = (f"{base}^{{{rt}}}", 4)
        elif op == "sqrt":
            out[id(node)] = (rf"\sqrt{{{parts[0][0]}}}", _ATOM)
        elif op == "abs":
            out[id(node)] = (rf"\left|{parts[0][0]}\right|", _ATOM)
        else:
            inner = ", ".join(t for t, _ in parts)
            out[id(node)] = (_LATEX_FUNCS[op] + _paren(inner), _ATOM)
    return out[id(root)][0]


# ----------------------------------------------------------------------------------------------
# Evaluation program: the tree flattened once, equal subtrees computed once.

_Instr = tuple[str, tuple[int, ...], Any]


def _compile(root: _Node) -> tuple[list[_Instr], list[tuple[int, ...]]]:
    """Instructions in dependency order (deduplicated) and, per step, slots no longer needed."""
    program: list[_Instr] = []
    slot_of: dict[int, int] = {}
    by_key: dict[tuple[Any, ...], int] = {}
    for node in _postorder(root):
        slots = tuple(slot_of[id(a)] for a in node.args)
        payload: Any = None
        if node.op in ("num", "const"):
            payload = node.const
        elif node.op == "var":
            payload = node.name
        key = (node.op, payload, slots)
        if key not in by_key:
            by_key[key] = len(program)
            program.append((node.op, slots, payload))
        slot_of[id(node)] = by_key[key]
    last_use: dict[int, int] = {}
    for i, (_, slots, _) in enumerate(program):
        for s in slots:
            last_use[s] = i
    frees: list[list[int]] = [[] for _ in program]
    for s, i in last_use.items():
        frees[i].append(s)
    return program, [tuple(f) for f in frees]


# ----------------------------------------------------------------------------------------------
# Public API.


class Expression:
    """A parsed (or derived) formula: evaluate, differentiate, print as text or LaTeX."""

    __slots__ = ("variables", "field", "size", "_node", "_program", "_frees")

    variables: tuple[str, ...]
    field: str
    size: int
    _node: _Node
    _program: list[_Instr]
    _frees: list[tuple[int, ...]]

    def __init__(self, node: _Node, variables: tuple[str, ...], field: str = "expression") -> None:
        """Wrap a tree; use parse_expression() rather than building one directly."""
        put = object.__setattr__
        put(self, "variables", tuple(variables))
        put(self, "field", field)
        put(self, "size", node.size)
        put(self, "_node", node)
        program, frees = _compile(node)
        put(self, "_program", program)
        put(self, "_frees", frees)

    def __setattr__(self, key: str, value: Any) -> None:
        """Expressions are immutable."""
        raise AttributeError("Expression is immutable")

    def depends_on(self, var: str) -> bool:
        """Whether the variable appears in the formula (after simplification)."""
        return var in self._node.free

    def evaluate(self, **values: float | np.ndarray) -> np.ndarray:
        """Value as float64 broadcast over the inputs; inf/nan instead of floating-point errors."""
        unknown = sorted(set(values) - set(self.variables))
        if unknown:
            raise TypeError(f"unknown variable(s) {', '.join(unknown)}; formula takes "
                            f"{', '.join(self.variables)}")
        missing = sorted(self._node.free - set(values))
        if missing:
            raise TypeError(f"missing value(s) for {', '.join(missing)}")
        arrays = {k: np.asarray(v, dtype=np.float64) for k, v in values.items()}
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
        if shape == ():
            return np.array(self._run({k: float(a) for k, a in arrays.items()}, _SCALAR))
        with np.errstate(all="ignore"):
            result = self._run(arrays, _ARRAY)
        out = np.empty(shape, dtype=np.float64)
        out[...] = result
        return out

    def _run(self, inputs: Mapping[str, Any], impl: Mapping[str, Callable[..., Any]]) -> Any:
        """Execute the flattened program with the given scalar or array implementations."""
        vals: list[Any] = [None] * len(self._program)
        for i, (op, slots, payload) in enumerate(self._program):
            if op in ("num", "const"):
                vals[i] = payload
            elif op == "var":
                vals[i] = inputs[payload]
            else:
                vals[i] = impl[op](*(vals[s] for s in slots))
            for s in self._frees[i]:
                vals[s] = None
        return vals[-1]

    def derivative(self, var: str) -> Expression:
        """The symbolic, simplified partial derivative with respect to ``var`` (memoised by
        the tree: the same formula is differentiated once per process)."""
        if var not in self.variables:
            raise ValueError(f"unknown variable {var!r}; formula takes {', '.join(self.variables)}")
        found = _derivative_of(self._node, self.variables, var)
        if isinstance(found, str):
            raise ConfigError(self.field, found)
        return found.with_field(self.field)

    def with_field(self, field: str) -> Expression:
        """The same (immutable) formula naming another field in its errors; shares the tree
        and the compiled program."""
        if field == self.field:
            return self
        out = object.__new__(Expression)
        put = object.__setattr__
        for name in ("variables", "size", "_node", "_program", "_frees"):
            put(out, name, getattr(self, name))
        put(out, "field", field)
        return out

    def latex(self) -> str:
        """LaTeX for display, e.g. ``x^{2} + 10 y^{2}`` (memoised by the tree)."""
        return _latex_of(self._node)

    def __str__(self) -> str:
        """Canonical text that parses back to an equal expression."""
        return _to_text(self._node)

    def __repr__(self) -> str:
        """Debug form showing the canonical text and the variables."""
        return f"Expression({str(self)!r}, variables={self.variables!r})"

    def __eq__(self, other: object) -> bool:
        """Same variables and structurally equal trees."""
        if not isinstance(other, Expression):
            return NotImplemented
        return self.variables == other.variables and self._node == other._node

    def __hash__(self) -> int:
        """Hash consistent with structural equality."""
        return hash((self.variables, self._node._hash))


# ----------------------------------------------------------------------------------------------
# Parsing.

_NOT_ALLOWED: dict[type, str] = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "indexing is not allowed",
    ast.Slice: "slices are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.IfExp: "conditional expressions (if/else) are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and' / 'or' are not allowed",
    ast.List: "lists, tuples, sets and dicts are not allowed",
    ast.Tuple: "lists, tuples, sets and dicts are not allowed",
    ast.Set: "lists, tuples, sets and dicts are not allowed",
    ast.Dict: "lists, tuples, sets and dicts are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "strings are not allowed",
    ast.FormattedValue: "strings are not allowed",
    ast.NamedExpr: "assignment is not allowed",
    ast.Starred: "starred arguments are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
}

_BIN_OPS: dict[type, str] = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
}
_BIN_SYMBOLS: dict[type, str] = {
    ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^",
}


class _Parser:
    """Turns a whitelisted Python AST into an expression tree, iteratively, with all checks."""

    def __init__(
        self, text: str, origin: list[int], variables: tuple[str, ...], field: str, trusted: bool
    ) -> None:
        """Remember the user's text, the column map back to it, and the allowed names."""
        self.text = text
        self.origin = origin
        self.variables = variables
        self.field = field
        self.trusted = trusted
        self.functions = FUNCTIONS + (_INTERNAL_FUNCTIONS if trusted else ())

    def fail(self, message: str) -> ConfigError:
        """A ConfigError for this formula's field."""
        return ConfigError(self.field, message)

    def segment(self, node: ast.AST) -> str:
        """The user's own text for an AST node (shortened for messages)."""
        start = getattr(node, "col_offset", None)
        end = getattr(node, "end_col_offset", None)
        if start is None or end is None or end <= start:
            return "?"
        piece = self.text[self.origin[start]:self.origin[end - 1] + 1]
        return piece if len(piece) <= 60 else piece[:57] + "..."

    def allowed_names(self) -> str:
        """The list of names a formula may use, for error messages."""
        return ", ".join(self.variables + tuple(CONSTANTS) + FUNCTIONS)

    def children(self, node: ast.AST) -> list[ast.expr]:
        """Validate one AST node against the whitelist and return its operands."""
        if isinstance(node, ast.Constant):
            self.check_literal(node)
            return []
        if isinstance(node, ast.Name):
            name = node.id
            if name in self.variables or name in CONSTANTS:
                return []
            if name in self.functions:
                raise self.fail(f"function '{name}' must be called with arguments, e.g. {name}(x)")
            raise self.fail(f"unknown name '{name}'; allowed: {self.allowed_names()}")
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub | ast.UAdd):
                return [node.operand]
            symbol = "not" if isinstance(node.op, ast.Not) else "~"
            raise self.fail(f"operator '{symbol}' is not allowed")
        if isinstance(node, ast.BinOp):
            if type(node.op) in _BIN_OPS:
                return [node.left, node.right]
            raise self.fail(f"operator '{_BIN_SYMBOLS.get(type(node.op), '?')}' is not allowed")
        if isinstance(node, ast.Call):
            return self.call_args(node)
        message = _NOT_ALLOWED.get(type(node), f"{type(node).__name__} is not allowed")
        raise self.fail(message)

    def check_literal(self, node: ast.Constant) -> None:
        """Only real int/float literals of moderate size."""
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.fail(f"'{self.segment(node)}' is not allowed; only numbers")
        if isinstance(value, str | bytes):
            raise self.fail("strings are not allowed")
        if isinstance(value, complex):
            raise self.fail("imaginary numbers are not allowed")
        if not isinstance(value, int | float):
            raise self.fail(f"'{self.segment(node)}' is not allowed; only numbers")
        if not self.trusted and not abs(value) <= MAX_LITERAL:
            raise self.fail(
                f"constant {self.segment(node)} is too large (at most 1e12 in absolute value)"
            )

    def call_args(self, node: ast.Call) -> list[ast.expr]:
        """Validate a call: a whitelisted function name, positional arguments, right count."""
        func = node.func
        if isinstance(func, ast.Attribute):
            raise self.fail("attribute access is not allowed")
        if not isinstance(func, ast.Name):
            raise self.fail(f"only these functions can be called: {', '.join(FUNCTIONS)}")
        name = func.id
        if name not in self.functions:
            if name in self.variables or name in CONSTANTS:
                raise self.fail(f"'{name}' is not a function")
            raise self.fail(
                f"function '{name}' is not allowed; allowed functions: {', '.join(FUNCTIONS)}"
            )
        if node.keywords:
            raise self.fail("keyword arguments are not allowed")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail("starred arguments are not allowed")
        count = len(node.args)
        if name in UNARY_FUNCTIONS or name == "sign":
            if count != 1:
                raise self.fail(f"{name} takes 1 argument (got {count})")
        elif name in VARIADIC_FUNCTIONS:
            if count < 2:
                raise self.fail(f"{name} takes at least 2 arguments (got {count})")
        elif count < 4 or count % 2:
            raise self.fail(f"{name} takes an even number (at least 4) of arguments")
        return list(node.args)

    def build(self, node: ast.AST, args: list[_Node]) -> _Node:
        """Make the tree node for a validated AST node from its converted operands."""
        if isinstance(node, ast.Constant):
            return _num(float(node.value))
        if isinstance(node, ast.Name):
            if node.id in self.variables:
                return _Node("var", name=node.id)
            return _Node("const", name=node.id)
        if isinstance(node, ast.UnaryOp):
            result = _neg(args[0]) if isinstance(node.op, ast.USub) else args[0]
        elif isinstance(node, ast.BinOp):
            op = _BIN_OPS[type(node.op)]
            exponent = args[1].const
            too_big = exponent is not None and not abs(exponent) <= MAX_EXPONENT
            if op == "pow" and too_big and not self.trusted:
                raise self.fail(
                    f"exponent too large in {self.segment(node)}: {exponent:.6g} "
                    f"(at most {MAX_EXPONENT:g} in absolute value)"
                )
            result = _BUILD[op](args[0], args[1])
        else:
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            result = _call(node.func.id, tuple(args))
        if self.trusted:
            return result
        if result.size > MAX_NODES:
            raise self.fail(f"too many terms: more than {MAX_NODES} nodes")
        value = result.const
        if value is not None:
            if not math.isfinite(value):
                raise self.fail(f"constant {self.segment(node)} is not a finite number")
            if abs(value) > MAX_CONSTANT:
                raise self.fail(
                    f"constant {self.segment(node)} is too large: {value:.3g} "
                    f"(at most 1e15 in absolute value)"
                )
        return result

    def convert(self, root: ast.expr) -> _Node:
        """Post-order walk of the AST with an explicit stack (no recursion)."""
        stack: list[tuple[ast.AST, int]] = [(root, -1)]
        results: list[_Node] = []
        while stack:
            node, count = stack.pop()
            if count < 0:
                kids = self.children(node)
                stack.append((node, len(kids)))
                stack.extend((k, -1) for k in reversed(kids))
                continue
            args = results[len(results) - count:] if count else []
            if count:
                del results[len(results) - count:]
            results.append(self.build(node, args))
        return results[0]


def _prescan(text: str, field: str) -> None:
    """Cheap checks before any parsing: characters and bracket nesting depth."""
    depth = 0
    for i, ch in enumerate(text):
        code = ord(ch)
        if code > 126 or (code < 32 and ch not in "\t\n\r"):
            raise ConfigError(field, f"character {ch!r} at column {i + 1} is not allowed")
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ConfigError(field, f"nested too deeply (at most {MAX_DEPTH} levels)")
        elif ch in ")]}":
            depth -= 1


def _parse(
    text: str, variables: tuple[str, ...], field: str, trusted: bool = False
) -> Expression:
    """Parse and check a formula.

    ``trusted`` is for machine-made text only (e.g. printed derivatives, in tests): it admits the
    derivative-only functions and skips the size and value limits meant for user input.
    """
    if not isinstance(text, str):
        raise ConfigError(field, f"must be a formula (a string), got {type(text).__name__}")
    if len(text) > MAX_LENGTH and not trusted:
        raise ConfigError(field, f"too long: {len(text)} characters (at most {MAX_LENGTH})")
    if not text.strip():
        raise ConfigError(field, "empty formula")
    _check_variables(variables)
    if not trusted:
        _prescan(text, field)
    lead = len(text) - len(text.lstrip())
    source_parts: list[str] = []
    origin: list[int] = []
    for i in range(lead, len(text)):
        ch = text[i]
        piece = "**" if ch == "^" else (" " if ch in "\t\n\r" else ch)
        source_parts.append(piece)
        origin.extend([i] * len(piece))
    source = "".join(source_parts)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        offset = exc.offset or len(source)
        index = min(max(offset, 1), len(source)) - 1
        column = origin[index] + 1 if offset <= len(source) else len(text) + 1
        raise ConfigError(field, f"syntax error at column {column}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ConfigError(field, "syntax error") from None
    parser = _Parser(text, origin, variables, field, trusted)
    return Expression(parser.convert(tree.body), variables, field)


class _Memo:
    """A thread-safe LRU of computed values bounded by their total size (tree nodes), so that
    memoising formulas cannot grow memory without bound however many distinct ones arrive."""

    def __init__(self, budget: int) -> None:
        self._items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._total = 0
        self._budget = budget
        self._lock = threading.Lock()

    def get(self, key: Any, compute: Callable[[], tuple[Any, int]]) -> Any:
        """The value stored for ``key``, else ``compute()``'s (value, size), stored."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit[0]
        value, size = compute()
        with self._lock:
            if key not in self._items and size <= self._budget:
                self._items[key] = (value, size)
                self._total += size
                while self._total > self._budget:
                    _, (_, dropped) = self._items.popitem(last=False)
                    self._total -= dropped
        return value


_PARSED = _Memo(MEMO_NODES)
_DERIVED = _Memo(MEMO_NODES)
_LATEX = _Memo(MEMO_NODES)


def _latex_of(node: _Node) -> str:
    """The LaTeX of a tree, once per process (a formula is shown again on every request)."""
    def compute() -> tuple[str, int]:
        text = _to_latex(node)
        return text, 1 + len(text) // 100

    return _LATEX.get(node, compute)


def _derivative_of(node: _Node, variables: tuple[str, ...], var: str) -> Expression | str:
    """The derivative of a tree as an Expression, or the message of why it cannot be had
    (memoised: trees are immutable and hash structurally)."""
    def compute() -> tuple[Expression | str, int]:
        try:
            result = Expression(_derivative(node, var, ""), variables)
            return result, result.size
        except ConfigError as error:
            return error.message, 1

    return _DERIVED.get((node, variables, var), compute)


def _parse_cached(text: str, variables: tuple[str, ...]) -> Expression | str:
    """A user formula parsed once per process, or the message of its error (the result is
    immutable, so sharing it is safe; the caller names its own field)."""
    def compute() -> tuple[Expression | str, int]:
        try:
            result = _parse(text, variables, "expression")
            return result, result.size
        except ConfigError as error:
            return error.message, 1

    return _PARSED.get((text, variables), compute)


def _check_variables(variables: tuple[str, ...]) -> None:
    """Variable names must be identifiers distinct from the constants and functions."""
    for name in variables:
        if (
            not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name)
            or name in _RESERVED
        ):
            raise ValueError(f"invalid formula variable name {name!r}")
    if len(set(variables)) != len(variables):
        raise ValueError(f"duplicate formula variable names in {variables!r}")


def parse_expression(
    text: str, variables: tuple[str, ...] = ("x", "y"), field: str = "expression"
) -> Expression:
    """Parse a user-typed formula in the given variables, or raise ConfigError naming ``field``
    (memoised by text: a formula repeated in a request, or in the next one, is parsed once)."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        return _parse(text, tuple(variables), field)  # refused at once, without caching
    found = _parse_cached(text, tuple(variables))
    if isinstance(found, str):
        raise ConfigError(field, found)
    return found.with_field(field)
