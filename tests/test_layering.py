"""The package is layered: each area imports only its own layer or the layers below, and the modules never
import each other in a cycle.

Read from the source with ``ast`` (nothing is imported). Every import counts for the layers, also one
inside a function or under ``TYPE_CHECKING``; for cycles, ``TYPE_CHECKING`` imports are left out (they
never run).
"""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "secure_constructs"

#: Areas (a top-level module or folder of the package), bottom layer first.
LAYERS: tuple[tuple[str, ...], ...] = (
    # the error family and pure helpers
    ("errors", "policy", "secrets", "runtime", "_render", "_cache", "_reasons", "_node_output"),
    # per-stack state, and where the user's code created each construct
    ("_context", "_sources"),
    # code analysis for least privilege; the rule pack and the scanner (they use the analysis)
    ("least_privilege",),
    ("nag",),
    # the construct foundation: defaults as data (derived from the pack's declarations), the override
    # guard, shared builders (keys, log groups, queues)
    ("acknowledgments", "_defaults", "_overrides", "_shared"),
    # the constructs, each layer using the ones below: alarms, functions, then APIs, identity and audit
    ("monitoring",),
    ("compute",),
    ("api", "identity", "audit", "network", "_runtime_code"),
    # what sits on the network: the database behind its proxy, and Lambda behind a load balancer
    ("database", "alb"),
    # what users call around their constructs, and harden() for plain CDK apps
    ("checks", "report", "_synth_summary", "client", "testing", "hardening"),
)
LAYER = {area: index for index, areas in enumerate(LAYERS) for area in areas}


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""  # "" is the package itself, above every layer


def _type_checking_imports(tree: ast.Module) -> set[ast.AST]:
    found: set[ast.AST] = set()
    for node in ast.walk(tree):
        test = getattr(node, "test", None)
        if isinstance(node, ast.If) and isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
            found.update(n for child in node.body for n in ast.walk(child))
    return found


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The package modules an import statement of ``module`` loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in MODULES]
    if node.level:
        base = module.split(".")
        if MODULES[module].name != "__init__.py":
            base = base[:-1]
        base = base[: len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target not in MODULES:
        return []
    submodules = [f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in MODULES]
    return submodules or [target]


def _imports(*, type_only: bool) -> dict[str, set[str]]:
    """module -> the package modules it imports (with or without ``TYPE_CHECKING`` imports)."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = set() if type_only else _type_checking_imports(tree)
        graph[module] = {
            target
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom)) and node not in skipped
            for target in _targets(module, node)
            if target != module
        }
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state and (found := visit(target)):
                return found
        state[module] = 2
        path.pop()
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_every_area_has_a_layer():
    areas = {_area(module) for module in MODULES} - {""}
    assert areas - set(LAYER) == set(), "place the new area in LAYERS"
    assert set(LAYER) - areas == set(), "LAYERS names an area that no longer exists"


def test_no_area_imports_a_layer_above_it():
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in _imports(type_only=True).items()
        for target in targets
        if _area(module) and LAYER[_area(target)] > LAYER[_area(module)]
    )
    assert upward == []


def test_modules_import_each_other_in_no_cycle():
    assert _cycle(_imports(type_only=False)) is None


@pytest.mark.parametrize("area", ["compute", "api", "identity", "audit"])
def test_monitoring_knows_functions_and_apis_only_through_its_protocols(area):
    imported = {
        _area(target)
        for module, targets in _imports(type_only=True).items()
        if _area(module) == "monitoring"
        for target in targets
    }
    assert area not in imported
