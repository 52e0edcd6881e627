"""CI: the built wheel alone, in a fresh virtual environment, first with its runtime dependencies only.

Usage: ``python .ci/wheel_check.py WHEEL`` from the repository root (``.ci/run`` does it).

1. A new venv gets torch 2.13.0 (the CPU build on this machine's disk), then the wheel with its
   runtime dependencies and nothing else.  Every module in the wheel is imported; the list is read
   from the wheel itself.  A module may fail only for want of an extra, and then with an error that
   says ``pip install singular-toolkit[<extra>]``; a module that pytest loads (a ``pytest11`` entry
   point) may instead just miss pytest, which is there whenever pytest loads it.  Every console
   script answers ``--help``, and one exact RLCT is computed.
2. Then, for each extra the wheel declares, in the same venv: install it, find the modules that
   need it (the wheel's modules and the studies, ``studies/`` and ``examples/*_study.py``, whose
   imports at any depth, lazy ones included, name a package the extra brought in) and import them
   and those packages; for the extra that brings pytest, run ``examples/test_my_estimator.py``
   copied into an empty directory, where the plugin must skip its slow test without an
   unknown-mark warning.  Then uninstall what the extra brought and restore what it changed, so
   that each extra is checked on the runtime dependencies alone (as in a venv of its own, without
   reinstalling torch each time).  ``dev``, the union of the others plus contributor tools, is
   installed and used by the test run of ``.ci/run``.
"""

from __future__ import annotations

import ast
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
STUDIES = ("studies/**/*.py", "examples/*_study.py")
# Imports a module of the wheel and reports how it went, in the venv's interpreter (isolated: no
# source tree, no PYTHONPATH, no user site).
IMPORT = """
import importlib, json, sys, traceback
outcome = {}
for name in sys.argv[1:]:
    try:
        module = importlib.import_module(name)
    except Exception as error:
        outcome[name] = {"type": type(error).__name__, "missing": getattr(error, "name", None), "message": str(error),
                         "traceback": traceback.format_exc()}
    else:
        outcome[name] = {"file": getattr(module, "__file__", None)}
print(json.dumps(outcome))
"""
DISTRIBUTIONS = """
import importlib.metadata, json
print(json.dumps({"installed": {d.metadata["Name"].lower(): d.version for d in importlib.metadata.distributions()},
                  "providers": importlib.metadata.packages_distributions()}))
"""


def run(*command: str, cwd: pathlib.Path | None = None) -> str:
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if completed.returncode:
        sys.exit(f"failed ({completed.returncode}): {' '.join(command)}\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


def wheel_modules(wheel: zipfile.ZipFile) -> dict[str, str]:
    """Every module of the wheel (dotted name -> source); ``__main__`` modules, which run the CLI
    when imported, are checked through their console script instead."""
    modules = {}
    for path in map(pathlib.PurePosixPath, wheel.namelist()):
        if path.suffix != ".py" or ".dist-info" in path.parts[0]:
            continue
        name = ".".join(path.with_suffix("").parts).removesuffix(".__init__")
        if path.stem == "__main__":
            print(f"  {name}: not imported (it runs the command line); its console script is checked below")
            continue
        modules[name] = wheel.read(str(path)).decode()
    return modules


def imported_names(source: str) -> set[str]:
    """Dotted names of every absolute import in ``source``, at any depth (lazy imports included)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def entry_points(wheel: zipfile.ZipFile) -> dict[str, dict[str, str]]:
    (path,) = [name for name in wheel.namelist() if name.endswith(".dist-info/entry_points.txt")]
    groups: dict[str, dict[str, str]] = {}
    group = ""
    for line in wheel.read(path).decode().splitlines():
        if line.startswith("["):
            group = line.strip("[]")
            groups[group] = {}
        elif "=" in line:
            key, value = (part.strip() for part in line.split("=", 1))
            groups[group][key] = value
    return groups


def extras(wheel: zipfile.ZipFile) -> list[str]:
    (path,) = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
    return [line.split(":", 1)[1].strip() for line in wheel.read(path).decode().splitlines()
            if line.startswith("Provides-Extra:")]


class Venv:
    def __init__(self, path: pathlib.Path):
        run(sys.executable, "-m", "venv", str(path))
        self.python = str(path / "bin" / "python")
        self.bin = path / "bin"

    def pip(self, *arguments: str) -> str:
        return run(self.python, "-m", "pip", "--disable-pip-version-check", "-q", *arguments)

    def import_all(self, names, cwd: pathlib.Path) -> dict[str, dict]:
        return json.loads(run(self.python, "-I", "-c", IMPORT, *sorted(names), cwd=cwd))

    def distributions(self, cwd: pathlib.Path) -> dict:
        return json.loads(run(self.python, "-I", "-c", DISTRIBUTIONS, cwd=cwd))


def main(wheel_path: str) -> None:
    wheel = zipfile.ZipFile(wheel_path)
    project = wheel_path.rsplit("/", 1)[-1].split("-")[0].replace("_", "-")
    scratch = pathlib.Path(tempfile.mkdtemp())
    venv = Venv(scratch / "venv")
    clock = time.perf_counter()
    venv.pip("install", "torch==2.13.0")
    venv.pip("install", wheel_path)
    print(f"runtime venv: torch and the wheel's runtime dependencies installed in {time.perf_counter() - clock:.0f} s")

    clock = time.perf_counter()
    modules = wheel_modules(wheel)
    site = run(venv.python, "-I", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").strip()
    outcome = venv.import_all(modules, scratch)
    pytest_loaded = {target.split(":")[0] for target in entry_points(wheel).get("pytest11", {}).values()}
    waiting: dict[str, str] = {}  # module -> the extra it needs
    for name, result in sorted(outcome.items()):
        if "file" in result:
            if not result["file"].startswith(site):
                sys.exit(f"{name} was imported from {result['file']}, not from the installed wheel")
            continue
        extra = next((extra for extra in extras(wheel) if f"pip install {project}[{extra}]" in result["message"]), None)
        if extra is None and name in pytest_loaded and result["missing"] == "pytest":
            extra = "pytest"
        if extra is None:
            sys.exit(f"{name} does not import with the runtime dependencies alone, and does not say which "
                     f"extra it needs:\n{result['traceback']}")
        waiting[name] = extra
        print(f"  {name}: needs an extra ({result['message']})")
    for script in entry_points(wheel).get("console_scripts", {}):
        run(str(venv.bin / script), "--help", cwd=scratch)
    exact = run(venv.python, "-I", "-c", "from singular import rlct; print(rlct('x^2*y^4').value)", cwd=scratch).strip()
    if exact != "1/4":
        sys.exit(f"rlct('x^2*y^4') gave {exact} in the runtime venv, not 1/4")
    print(f"runtime venv: {len(modules) - len(waiting)} of {len(modules)} modules import with the runtime dependencies "
          f"alone, {len(waiting)} name the extra they need; console scripts answer --help "
          f"({time.perf_counter() - clock:.0f} s)")

    studies = {str(path.relative_to(ROOT)): path.read_text() for pattern in STUDIES for path in sorted(ROOT.glob(pattern))}
    base = venv.distributions(scratch)
    for extra in extras(wheel):
        if extra == "dev":
            print("extra dev: installed and used by the test run of .ci/run")
            continue
        clock = time.perf_counter()
        venv.pip("install", f"{wheel_path}[{extra}]")
        after = venv.distributions(scratch)
        added = set(after["installed"]) - set(base["installed"])
        names = {name for name, providers in after["providers"].items()
                 if any(provider.lower() in added for provider in providers)}
        needing = {name: {imported for imported in imported_names(source) if imported.split(".")[0] in names}
                   for name, source in {**modules, **studies}.items()}
        needing = {name: imported for name, imported in needing.items() if imported}
        untested = {name for name, needs in waiting.items() if needs == extra or (needs == "pytest" and "pytest" in names)}
        in_wheel = (set(needing) & set(modules)) | untested
        outcome = venv.import_all(in_wheel | set().union(*needing.values()), scratch)
        broken = {name: result["traceback"] for name, result in outcome.items() if "file" not in result}
        if broken:
            sys.exit(f"with the extra {extra}:\n" + "\n".join(broken.values()))
        for name in untested:
            del waiting[name]
        if "pytest" in names:
            example = scratch / "example"
            example.mkdir()
            shutil.copy(ROOT / "examples" / "test_my_estimator.py", example)
            report = run(venv.python, "-I", "-m", "pytest", "-p", "no:cacheprovider", "--strict-markers", "-W",
                         "error::pytest.PytestUnknownMarkWarning", "-q", "-rs", cwd=example)
            if "1 passed, 1 skipped" not in report:
                sys.exit(f"examples/test_my_estimator.py in an empty directory:\n{report}")
            print("  examples/test_my_estimator.py in an empty directory: 1 passed, 1 skipped (slow), no unknown mark")
        print(f"extra {extra}: brought {', '.join(sorted(added)) or 'nothing new'}; "
              f"{len(in_wheel)} wheel modules and {len(set(needing) - set(modules))} study files need it "
              f"({', '.join(sorted(needing)) or 'none'}), all import ({time.perf_counter() - clock:.0f} s)")
        changed = [f"{name}=={version}" for name, version in base["installed"].items()
                   if after["installed"].get(name) != version]
        if added:
            venv.pip("uninstall", "-y", *sorted(added))
        if changed:
            venv.pip("install", "--no-deps", *changed)
        if venv.distributions(scratch)["installed"] != base["installed"]:
            sys.exit(f"the venv did not return to the runtime dependencies after the extra {extra}")
    if waiting:
        sys.exit(f"modules that named an extra which did not make them import: {waiting}")
    shutil.rmtree(scratch)


if __name__ == "__main__":
    main(sys.argv[1])
