"""How big `helpers` is: lines per module, and the lines an instructor reads to follow
one explorer (its module and every helpers module it imports, transitively).

    .venv/bin/python scripts/package_size.py

Lines are counted as `wc -l` does; tests/test_package_size.py checks that helpers/ is
ruff-formatted, so these are the lines after `ruff format`.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "helpers"


def module_files():
    """{'helpers.lessons.l04_cross_entropy': Path, ...} for every module in helpers/."""
    files = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        files[name] = path
    return files


def line_count(path):
    """Lines in a file, as `wc -l` counts them."""
    return path.read_text().count("\n")


def imported_modules(name, files):
    """The helpers modules that module `name` imports (by import statements)."""
    tree = ast.parse(files[name].read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # `from helpers import softmax` names a module
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in files else node.module)
    return {module for module in found if module in files and module != name}


def closure(name, files):
    """Module `name` and every helpers module it reaches through imports."""
    seen, todo = set(), [name]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(imported_modules(module, files))
    return seen


def explorer_closures():
    """{explorer name: (lines, modules)} for every helpers.widgets.*_explorer."""
    sys.path.insert(0, str(ROOT))
    import helpers.widgets

    files = module_files()
    result = {}
    for name in sorted(n for n in dir(helpers.widgets) if n.endswith("_explorer")):
        modules = closure(getattr(helpers.widgets, name).__module__, files)
        result[name] = (sum(line_count(files[m]) for m in modules), sorted(modules))
    return result


def main():
    files = module_files()
    sizes = {name: line_count(path) for name, path in files.items()}
    for name, size in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"{size:6d}  {name}")
    print(f"{sum(sizes.values()):6d}  helpers/ in {len(sizes)} files")
    print("\nimport closure of each explorer (lines, modules):")
    for name, (lines, modules) in explorer_closures().items():
        print(f"{lines:6d}  {name}  ({len(modules)} modules)")


if __name__ == "__main__":
    main()
