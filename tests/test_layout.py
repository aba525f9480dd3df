"""The package layout holds: no import cycles, no import up a layer, and no torch in the serving rooms.

Every import counts, the ones inside function bodies too: they are where cycles hide.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "medqa"

# Lower numbers are lower layers; a module may import its own room and any lower layer, nothing else.
LAYERS = {
    "shared": 0,  # config errors fileio progress hardware resources prompt models
    "data": 1,
    "retrieval": 2,
    "inference": 2,
    "train": 3,
    "export": 3,
    "assistant": 4,
    "evaluate": 5,
    "server": 6,
    "chat": 6,
    "front": 7,  # cli pipeline sweep __main__
}
FRONT_DOORS = {"cli", "pipeline", "sweep", "__main__"}
SERVING_ROOMS = ("inference", "retrieval", "assistant", "server")
HEAVY = ("torch", "transformers", "sentence_transformers", "sklearn")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "front"
    top = parts[1]
    if (PACKAGE / top / "__init__.py").is_file():
        return top
    return "front" if top in FRONT_DOORS else "chat" if top == "chat" else "shared"


def imports() -> dict[str, set[str]]:
    """module -> the medqa modules it imports anywhere in its body."""
    graph: dict[str, set[str]] = {}
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("medqa"):
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    targets.add(sub if sub in modules else node.module)
            elif isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name.startswith("medqa"))
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def test_no_import_cycles() -> None:
    graph = imports()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_imports_only_go_down() -> None:
    wrong = []
    for source, targets in imports().items():
        for target in targets:
            a, b = room(source), room(target)
            if a != b and LAYERS[b] >= LAYERS[a]:
                wrong.append(f"{source} ({a}) imports {target} ({b})")
    assert wrong == [], "imports up or across a layer:\n" + "\n".join(sorted(wrong))


def test_run_folder_file_names_are_defined_once() -> None:
    spelled = [
        str(p.relative_to(SRC))
        for p in PACKAGE.rglob("*.py")
        if '"train_info.json"' in p.read_text(encoding="utf-8") or '"model.gguf"' in p.read_text(encoding="utf-8")
    ]
    assert spelled == ["medqa/models.py"]


@pytest.mark.parametrize("package", SERVING_ROOMS)
def test_serving_rooms_import_without_torch(package: str) -> None:
    """Importing every module of a serving room loads none of torch, transformers, ST or sklearn."""
    modules = sorted(module_name(p) for p in (PACKAGE / package).rglob("*.py"))
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(sorted(h for h in {HEAVY!r} if h in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"{package} loads {out.strip()}"
