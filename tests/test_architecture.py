"""The house's plan, checked against the code: dependencies between apps point one way; every service is a
declared, durable entry point; no file or function grows past what a reader holds in mind."""

from __future__ import annotations

import ast
import collections
import itertools
from pathlib import Path

import pytest
from django.db import transaction

from phocap.core.actors import SYSTEM

SRC = Path(__file__).resolve().parent.parent / "src" / "phocap"
# The one documented exception (docs/ARCHITECTURE.md, "Dependencies"): `geo` and `programmes` sit below
# `accounts`, yet their services and selectors ask `accounts.scope` who may do what. Only that module, only them.
EXCEPTION = ("phocap.accounts.scope", {"geo", "programmes"})
LAYERS = [
    {"core"},
    {"geo"},
    {"programmes"},
    {"accounts"},
    {"fundraising", "registry"},
    {"devices"},
    {"allocation"},
    {"handover"},
    {"onboarding"},
    {"complaints"},
    {"notifications"},
    {"reports"},
    {"config"},
    {"cli"},
]


def _module_of(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    base = SRC.parent.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imported(node: ast.AST) -> list[str]:
    """The phocap modules an import statement names (`from phocap.x import y`: `phocap.x.y` when y is a
    module, else `phocap.x`)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("phocap")]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("phocap"):
        module = str(node.module)
        subs = [f"{module}.{a.name}" for a in node.names if _is_module(f"{module}.{a.name}")]
        return subs if len(subs) == len(node.names) else [module, *subs]
    return []


def _app(module: str) -> str:
    return module.split(".")[1]


def import_graph() -> dict[str, dict[str, list[str]]]:
    """{app: {app it imports: ["file:line", …]}} from every import in the source — at the top of a module, inside
    functions, under TYPE_CHECKING — migrations left out (Django writes them)."""
    edges: dict[str, dict[str, list[str]]] = collections.defaultdict(lambda: collections.defaultdict(list))
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        here = _module_of(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _imported(node):
                if target.count(".") < 1 or _app(target) == _app(here):
                    continue
                if target == EXCEPTION[0] and _app(here) in EXCEPTION[1]:
                    continue
                edges[_app(here)][_app(target)].append(f"{path.relative_to(SRC)}:{getattr(node, 'lineno', 0)}")
    return edges


def _cycle(edges: dict[str, dict[str, list[str]]]) -> list[str]:
    """One cycle of the graph, or []."""
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        colour[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, {})):
            if colour.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in colour and (found := visit(nxt)):
                return found
        colour[node] = 2
        stack.pop()
        return []

    for node in sorted(edges):
        if node not in colour and (found := visit(node)):
            return found
    return []


def test_the_import_graph_between_apps_has_no_cycle():
    edges = import_graph()
    cycle = _cycle(edges)
    where = [f"{a} → {b}: {edges[a][b][:3]}" for a, b in itertools.pairwise(cycle)]
    assert cycle == [], "\n".join(where)


def test_dependencies_point_down_the_layers_of_the_architecture():
    """Each app imports only apps of lower layers (the order docs/ARCHITECTURE.md draws)."""
    level = {app: n for n, layer in enumerate(LAYERS) for app in layer}
    edges = import_graph()
    assert set(edges) <= set(level), f"an app the layers do not name: {set(edges) - set(level)}"
    upward = [
        f"{a} → {b} ({where[0]})"
        for a, targets in edges.items()
        for b, where in targets.items()
        if level[b] >= level[a]
    ]
    assert upward == []


def test_the_cycle_check_sees_a_cycle_and_an_import_inside_a_function(tmp_path):
    """The checks above can fail: a back-edge, even one hidden in a function, is a cycle."""
    edges = {"a": {"b": ["x"]}, "b": {"c": ["y"]}, "c": {"a": ["z"]}}
    assert _cycle(edges) == ["a", "b", "c", "a"]
    tree = ast.parse("def f():\n    from phocap.reports import indicators\n")
    assert [t for n in ast.walk(tree) for t in _imported(n)] == ["phocap.reports.indicators"]


@pytest.mark.django_db
def test_a_service_inside_another_services_transaction_is_refused(programme):
    """Entry points are durable: composing them inside one transaction is a bug, caught here."""
    from phocap.fundraising.services import walk_in_code_create
    from phocap.registry.importing import import_residents

    with pytest.raises(RuntimeError), transaction.atomic():
        walk_in_code_create(actor=SYSTEM, programme=programme)
    with pytest.raises(RuntimeError, match="entry point"), transaction.atomic():  # one that opens its own later
        import_residents(actor=SYSTEM, programme=programme, data=b"", filename="x.csv")


def _long_functions() -> list[str]:
    found = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                said = any("why this is long:" in line.lower() for line in lines[node.lineno - 1 : node.lineno + 8])
                if length > 80 and not said:
                    found.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_file_over_500_lines_and_no_long_function_without_a_reason():
    """~60 lines is the aim; past 80 a function says why in a comment ("why this is long:") near its top."""
    long_files = [
        f"{p.relative_to(SRC)} ({n} lines)"
        for p in SRC.rglob("*.py")
        if "migrations" not in p.parts and (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    ]
    assert long_files == []
    assert _long_functions() == []


def test_every_command_word_names_the_module_that_registers_it():
    """`phocap` imports only the module of the command it runs: the map it reads must be the truth."""
    from phocap.cli import COMMANDS, build_parser

    everything = build_parser()
    words = set(everything._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert words == set(COMMANDS)
    for word in COMMANDS:
        assert word in build_parser(word)._subparsers._group_actions[0].choices  # type: ignore[union-attr]
