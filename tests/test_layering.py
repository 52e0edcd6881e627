"""ARCHITECTURE.md: nothing imports upward, estimators knows nothing of sympy, no package imports the
studies (they are not in the wheel), nothing in the library imports the command line, and no
module imports itself through others."""

import ast
import pathlib

import networkx as nx
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "resolution": {"singular", "estimators", "validation", "studies"},
    "singular": {"estimators", "validation", "studies"},
    "estimators": {"resolution", "singular", "validation", "sympy", "studies"},
    "validation": {"studies"},
}
CLI = "validation.cli"
#: ``python -m validation`` is the command line's second door, not part of the library.
CLI_DOORS = {"validation.__main__"}


def _imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_upward_imports(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    for path in files:
        bad = _imports(path) & FORBIDDEN[package]
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("package", ["estimators", "validation"])
def test_the_library_takes_an_executor_and_never_imports_dask(package):
    """Only the command line (validation/cli/bench.py) starts a Dask cluster; the library takes any Executor."""
    for path in sorted((ROOT / package).rglob("*.py")):
        if path.relative_to(ROOT).as_posix() != "validation/cli/bench.py":
            assert not _imports(path) & {"dask", "distributed"}, f"{path.relative_to(ROOT)} imports dask"


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(name: str, path: pathlib.Path, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that the module ``name`` imports anywhere (in functions too, but not
    under ``if TYPE_CHECKING:``); ``from package import submodule`` counts as the submodule."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                   for statement in node.body for n in ast.walk(statement)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}
    resolved = set()
    for target in found:
        while target and target not in modules:  # an attribute or a module outside the four packages
            target = target.rpartition(".")[0]
        if target and target != name:
            resolved.add(target)
    return resolved


def _library_files() -> list[pathlib.Path]:
    return [path for package in FORBIDDEN for path in sorted((ROOT / package).rglob("*.py"))]


def _import_graph() -> nx.DiGraph:
    files = {_module_name(path): path for path in _library_files()}
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    graph.add_edges_from((name, target) for name, path in files.items()
                         for target in _imported_modules(name, path, set(files)))
    return graph


def test_nothing_in_the_library_imports_the_command_line():
    graph = _import_graph()
    assert CLI in graph
    library = [name for name in graph if name != CLI and not name.startswith(CLI + ".") and name not in CLI_DOORS]
    for name in library:
        bad = sorted(t for t in graph.successors(name) if t == CLI or t.startswith(CLI + "."))
        assert not bad, f"{name} imports the command line: {bad}"


def test_no_import_cycles():
    graph = _import_graph()
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert not cycles, f"modules that import each other: {cycles}"


def test_the_cycle_check_sees_a_cycle_through_a_function_level_import(tmp_path):
    (tmp_path / "a.py").write_text("from .b import f\n")
    (tmp_path / "b.py").write_text("def f():\n    from .a import g\n")
    assert _imported_modules("p.b", tmp_path / "b.py", {"p.a", "p.b"}) == {"p.a"}
    assert _imported_modules("p.a", tmp_path / "a.py", {"p.a", "p.b"}) == {"p.b"}


def test_no_public_signature_passes_keywords_through():
    """Options are named in the signature (``Literal`` sets where a string picks one), never ``**options``."""
    found = []
    for path in _library_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.args.kwarg is not None:
                if not node.name.startswith("_") or node.name == "__init__":
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}(**{node.args.kwarg.arg})")
    assert not found, found


@pytest.mark.parametrize("folder", [*FORBIDDEN, "studies"])
def test_nothing_changes_the_users_matplotlib_backend(folder):
    """Figures are drawn on ``matplotlib.figure.Figure`` objects or a given ``ax``; ``matplotlib.use`` is for scripts."""
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "use":
                target = node.func.value
                assert not (isinstance(target, ast.Name) and target.id in {"matplotlib", "mpl"}), (
                    f"{path.relative_to(ROOT)}:{node.lineno} calls matplotlib.use")
