"""Dependency direction: admin/ -> models/ <- kiosk/. models never imports request, cv2, pyzbar,
admin or kiosk; the kiosk imports only the pure models.codes."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports_of(folder: str) -> dict[str, set[str]]:
    found = {}
    for path in (ROOT / folder).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names |= {f"{node.module}.{a.name}" for a in node.names}
        found[str(path.relative_to(ROOT))] = names
    return found


def test_models_stay_pure():
    for path, names in imports_of("models").items():
        bad = {n for n in names if n.split(".")[0] in ("cv2", "pyzbar", "admin", "kiosk", "zxingcpp")}
        bad |= {n for n in names if n in ("flask.request", "flask.session", "flask.g")}
        assert not bad, (path, bad)


def test_kiosk_imports_only_codes_from_models():
    for path, names in imports_of("kiosk").items():
        from_models = {n for n in names if n.split(".")[0] == "models"}
        assert from_models <= {"models", "models.codes"}, (path, from_models)
        assert not {n for n in names if n.split(".")[0] in ("flask", "sqlalchemy", "admin")}, path


#: the project's own top-level packages and modules (tests may still reach internals)
PROJECT_PACKAGES = ("models", "admin", "commands", "kiosk")
PROJECT_MODULES = ("app", "cli", "webserver", "config")


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _project_module(dotted: str) -> bool:
    """Whether ``dotted`` names a module or package of the project (a file or a folder)."""
    parts = dotted.split(".")
    if parts[0] not in PROJECT_PACKAGES + PROJECT_MODULES:
        return False
    path = ROOT.joinpath(*parts)
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def private_imports(path: Path) -> list[str]:
    """Every private name of another project module that ``path`` imports or reaches as an
    attribute: ``from m import _x`` (also in parentheses, over several lines, inside
    functions) and ``m._x`` / ``pkg.m._x`` where ``m`` was imported as a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    modules: dict[str, str] = {}  # local name -> project module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module.split(".")[0] not in PROJECT_PACKAGES + PROJECT_MODULES:
                continue
            for alias in node.names:
                if _is_private(alias.name):
                    found.append(f"{path.name}:{node.lineno} from {node.module} import {alias.name}")
                elif _project_module(f"{node.module}.{alias.name}"):
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _project_module(alias.name):
                    if alias.asname:
                        modules[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        modules[top] = top
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            chain, value = [], node.value
            while isinstance(value, ast.Attribute):
                chain.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in modules:
                dotted = ".".join([modules[value.id], *reversed(chain)])
                if _project_module(dotted):
                    found.append(f"{path.name}:{node.lineno} {dotted}.{node.attr}")
    return found


def project_files() -> list[Path]:
    files = [ROOT / f"{name}.py" for name in PROJECT_MODULES]
    for folder in PROJECT_PACKAGES:
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


def test_no_private_imports():
    """No module imports (or reaches into) a private ``_name`` of another module: what is
    shared is public and documented."""
    found = [hit for path in project_files() for hit in private_imports(path)]
    assert not found, "\n".join(found)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return result


def test_no_import_cycles():
    """No module imports, directly or through others, a module that imports it back
    (function-level imports count: grimp sees them)."""
    import grimp

    graph = grimp.build_graph(*PROJECT_PACKAGES)
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    cycles = _cycles(edges)
    assert not cycles, "\n".join(" <-> ".join(c) for c in cycles)


def _layers_contract(package: str) -> dict:
    """The import-linter ``layers`` contract of ``package`` (models or admin) in pyproject.toml."""
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (found,) = [c for c in contracts["contracts"] if c["type"] == "layers" and c["layers"][0].startswith(package)]
    return found


def _area_of(module: str, areas: set[str]) -> str | None:
    parts = module.split(".")
    return next((".".join(parts[:n]) for n in (2, 1) if ".".join(parts[:n]) in areas), None)


def area_graph(package: str) -> tuple[dict[str, set[str]], dict[str, int]]:
    """(area -> the areas it imports, area -> its layer, 0 the top) of ``package``, function-level
    imports included (grimp), without the contract's declared ``ignore_imports``."""
    import grimp

    contract = _layers_contract(package)
    rank = {a.strip(): i for i, layer in enumerate(contract["layers"]) for a in layer.split("|")}
    ignored = {tuple(p.strip() for p in line.split("->")) for line in contract.get("ignore_imports", [])}
    graph = grimp.build_graph(package, cache_dir=None)  # never a stale cache after files moved
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = _area_of(module, set(rank)), _area_of(imported, set(rank))
            if a and b and a != b and (module, imported) not in ignored:
                edges.setdefault(a, set()).add(b)
    return edges, rank


def test_every_area_is_in_its_layers_contract():
    for package in ("models", "admin"):
        _edges, rank = area_graph(package)
        folders = {f"{package}.{p.name}" for p in (ROOT / package).iterdir() if (p / "__init__.py").is_file()}
        modules = {f"{package}.{p.stem}" for p in (ROOT / package).glob("*.py") if p.stem != "__init__"}
        assert folders | modules == set(rank), package


def test_no_circle_of_areas_and_every_area_imports_only_below():
    """The graph of areas (models.<area> -> models.<area>, admin.<area> -> admin.<area>) has no
    circle, and each area imports only areas of a lower layer (the order of pyproject.toml's
    layers contracts), as the graph of modules has no circle (test_no_import_cycles)."""
    for package in ("models", "admin"):
        edges, rank = area_graph(package)
        assert not _cycles(edges), (package, _cycles(edges))
        upward = sorted(f"{a} -> {b}" for a, bs in edges.items() for b in bs if rank[b] <= rank[a])
        assert not upward, upward
