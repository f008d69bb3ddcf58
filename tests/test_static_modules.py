"""The page's ES modules import each other without cycles, and every name a module imports from
a sibling is exported there (a typo or a moved function otherwise fails only in the browser)."""

from __future__ import annotations

import re
from pathlib import Path

JS = Path(__file__).resolve().parents[1] / "static" / "js"
IMPORT = re.compile(r'^import\s+(?:\{([^}]*)\}\s+from\s+)?"\./([\w.-]+\.js)"', re.M)
EXPORT_DECL = re.compile(r"^export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+([\w$]+)", re.M)
EXPORT_LIST = re.compile(r"^export\s*\{([^}]*)\}", re.M)


def modules() -> dict[str, str]:
    """Every module's source by file name."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(JS.glob("*.js"))}


def imports(source: str) -> list[tuple[str, list[str]]]:
    """(sibling file, imported names) for each static relative import."""
    out = []
    for names, target in IMPORT.findall(source):
        wanted = [n.strip().split(" as ")[0].strip() for n in names.split(",") if n.strip()]
        out.append((target, wanted))
    return out


def exports(source: str) -> set[str]:
    """The names a module exports."""
    names = set(EXPORT_DECL.findall(source))
    for group in EXPORT_LIST.findall(source):
        names.update(n.strip().split(" as ")[-1].strip() for n in group.split(",") if n.strip())
    return names


def test_every_imported_name_is_exported_by_its_module() -> None:
    src = modules()
    missing = [f"{name} imports {n} from {target}"
               for name, text in src.items() for target, wanted in imports(text)
               for n in ([] if target not in src else wanted) if n not in exports(src[target])]
    absent = [f"{name} imports {target}" for name, text in src.items()
              for target, _ in imports(text) if target not in src]
    assert not absent, absent
    assert not missing, missing


def test_no_import_cycles() -> None:
    src = modules()
    graph = {name: [t for t, _ in imports(text)] for name, text in src.items()}
    cycles: list[str] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node)
    assert not cycles, cycles

