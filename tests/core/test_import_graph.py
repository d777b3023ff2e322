"""passbound's modules import each other without cycles, and so do its packages (lazy imports
inside functions included), the analyses render with the report kit and never import the report,
and the report depends on the store, never on a stage: read statically with ast, nothing imported."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def import_graph() -> dict[str, set[str]]:
    files = {}
    for f in SRC.rglob("*.py"):
        parts = f.relative_to(SRC).with_suffix("").parts
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f
    graph: dict[str, set[str]] = {m: set() for m in files}
    for module, path in files.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:  # relative: from its package
                package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
                names = [base] + [f"{base}.{a.name}" for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            graph[module] |= {n for n in names if n in files and n != module}
    return graph


def package(module: str) -> str:
    """``passbound.X`` for every module under a subpackage X; a top-level module is its own."""
    return ".".join(module.split(".")[:2])


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Package A -> package B when any module of A imports one of B (at module level or not)."""
    packages: dict[str, set[str]] = {package(m): set() for m in graph}
    for module, targets in graph.items():
        packages[package(module)] |= {package(t) for t in targets} - {package(module)}
    return packages


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        comp.append(top)
                        if top == node:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_no_import_cycles_between_packages() -> None:
    """Issue 26: analyses <-> report and stages <-> runners were cycles hidden in functions."""
    assert cycles(package_graph(import_graph())) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_a_cycle_through_function_level_imports_is_a_package_cycle() -> None:
    """Module-level-only modules a.x -> b.y and b.z -> a.w (each inside a function, say): no
    module cycle, but the packages a and b import each other."""
    graph = {"p.a.x": {"p.b.y"}, "p.b.y": set(), "p.b.z": {"p.a.w"}, "p.a.w": set()}
    assert cycles(graph) == []
    assert cycles(package_graph(graph)) == [["p.a", "p.b"]]


def test_analyses_render_with_the_kit_not_the_report() -> None:
    graph = import_graph()
    analyses = [m for m in graph if m.startswith("passbound.analyses")]
    assert len(analyses) > 5
    offending = {
        m: sorted(t for t in graph[m] if t.startswith("passbound.report.") or t == "passbound.report") for m in analyses
    }
    assert not any(offending.values()), offending
    assert any("passbound.report_kit" in graph[m] for m in analyses)


def test_report_reads_the_store_not_the_stages() -> None:
    graph = import_graph()
    report = [m for m in graph if m.startswith("passbound.report")]
    assert report
    offending = {m: sorted(t for t in graph[m] if t.startswith("passbound.stages")) for m in report}
    assert not any(offending.values()), offending
