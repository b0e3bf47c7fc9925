"""The layers point one way: api → core → db/storage/queue, worker → core/engines/storage; no import cycles.

Read from the source (every import statement, also those inside functions), so a lazy import cannot
hide a layer violation.
"""

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import songforge

PACKAGE_ROOT = Path(songforge.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        if "migrations" not in path.parts:
            yield module_name(path), path


MODULES = dict(source_modules())


def imported_names(path: Path, *, top_level_only: bool) -> set[str]:
    """Absolute names of the modules a file imports (`from a import b` counts as `a.b` when that is a module)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                names.add(candidate if candidate in MODULES else base)
    return names


def under(prefix: str) -> list[str]:
    return [name for name in MODULES if name == prefix or name.startswith(prefix + ".")]


def imports_of(name: str) -> set[str]:
    return imported_names(MODULES[name], top_level_only=False)


def reaches(imported: str, forbidden: str) -> bool:
    return imported == forbidden or imported.startswith(forbidden + ".")


@pytest.mark.parametrize("name", [*under("songforge.api"), *under("songforge.worker"), "songforge.cli"])
def test_only_core_talks_to_the_database(name: str) -> None:
    offending = sorted(i for i in imports_of(name) if reaches(i, "sqlalchemy") or reaches(i, "songforge.db"))
    assert not offending, f"{name} imports {offending}: call a named function in songforge.core instead"


@pytest.mark.parametrize("name", under("songforge.queue"))
def test_the_dispatcher_knows_nothing_of_core(name: str) -> None:
    offending = sorted(i for i in imports_of(name) if reaches(i, "songforge.core") or reaches(i, "songforge.db"))
    assert not offending, f"{name} imports {offending}: a dispatcher only wakes workers"


@pytest.mark.parametrize("name", [*under("songforge.api"), *under("songforge.core")])
def test_the_api_and_core_import_no_engine(name: str) -> None:
    offending = sorted(i for i in imports_of(name) if reaches(i, "songforge.engines") or reaches(i, "songforge.worker"))
    if name == "songforge.api.app":  # the app factory starts the embedded worker pool, which loads engines lazily
        offending = [i for i in offending if i != "songforge.worker.pool"]
    assert not offending, f"{name} imports {offending}"


@pytest.mark.parametrize("name", under("songforge.engines"))
def test_engines_know_nothing_of_tasks_http_or_sql(name: str) -> None:
    """Engines are libraries of arrays: from songforge they use other engines and core's pure vocabulary only."""
    allowed = ("songforge.engines", "songforge.core.stem_sets", "songforge.core.styles")
    own = sorted(i for i in imports_of(name) if reaches(i, "songforge") and not any(reaches(i, a) for a in allowed))
    foreign = sorted(i for i in imports_of(name) if any(reaches(i, x) for x in ("sqlalchemy", "fastapi", "starlette")))
    assert not own and not foreign, f"{name} imports {own + foreign}"


def test_no_import_cycles() -> None:
    graph = {
        name: {i for i in imported_names(path, top_level_only=True) if i in MODULES and i != name}
        for name, path in MODULES.items()
    }
    cycles = strongly_connected_cycles(graph)
    assert not cycles, f"import cycles: {cycles}"


def strongly_connected_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm; components of more than one module are cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return cycles


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert strongly_connected_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


API_PROCESS_SCRIPT = """
import sys, tempfile
from fastapi.testclient import TestClient
from songforge.api.app import create_app
from songforge.config import Settings

settings = Settings(data_dir=tempfile.mkdtemp(), workers=0, public_base_url="http://testserver")
with TestClient(create_app(settings)) as client:
    assert client.get("/healthz").status_code == 200
    assert client.get("/suno/fetch/x", headers={"Authorization": "Bearer sk-nope"}).status_code == 401
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {"torch", "av", "scipy", "soundfile", "librosa"}
               or m.startswith("songforge.engines"))
print(" ".join(heavy))
"""


def test_an_api_process_loads_no_engine_and_no_audio_library() -> None:
    run = subprocess.run([sys.executable, "-c", API_PROCESS_SCRIPT], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [], f"the API process loaded {run.stdout.split()}"
