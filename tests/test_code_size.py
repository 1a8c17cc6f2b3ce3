"""Small modules and short functions: no module of the apps passes 400 lines and no
function 60, so that each says one thing a reader can find (split along the lines a
reader would look for, not at an arbitrary line)."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGES = ("aissai", "calls", "reviews", "awards")
MODULE_MAX_LINES = 400
FUNCTION_MAX_LINES = 60

# Modules allowed over the limits for good (none: the settings are a package of parts).
EXEMPT: set[str] = set()

# Modules allowed over the limits while a split is under way (none today).
BEING_SPLIT: set[str] = set()


def oversized(path: str, text: str) -> list[str]:
    """What in one module is longer than allowed, as ``path[:line] what (lines)``."""
    found = []
    lines = len(text.splitlines())
    if lines > MODULE_MAX_LINES:
        found.append(f"{path} module ({lines} lines)")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > FUNCTION_MAX_LINES:
                found.append(f"{path}:{node.lineno} {node.name} ({length} lines)")
    return found


def _modules() -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): path.read_text()
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


def test_the_check_finds_a_long_module_and_a_long_function():
    body = "\n".join(f"    x = {i}" for i in range(FUNCTION_MAX_LINES))
    long_function = f"def long():\n{body}\n"
    short_module = "def short():\n    pass\n"

    assert oversized("calls/x.py", long_function) == [
        f"calls/x.py:1 long ({FUNCTION_MAX_LINES + 1} lines)"
    ]
    assert oversized("calls/x.py", short_module) == []
    assert oversized("calls/x.py", "x = 1\n" * (MODULE_MAX_LINES + 1)) == [
        f"calls/x.py module ({MODULE_MAX_LINES + 1} lines)"
    ]


def test_the_lists_name_modules_that_exist():
    assert set(_modules()) >= (EXEMPT | BEING_SPLIT)


def test_no_module_or_function_of_the_apps_is_too_long():
    found = [
        problem
        for path, text in _modules().items()
        if path not in EXEMPT | BEING_SPLIT
        for problem in oversized(path, text)
    ]
    assert found == []
