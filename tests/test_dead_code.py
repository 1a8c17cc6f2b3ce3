"""No dead code: every module-level function of the application is used somewhere else
(code, templates or tests), so nobody maintains, reads or copies a function nothing
calls."""

import ast
import re
from collections import Counter
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGES = ("aissai", "calls", "reviews", "awards")


def _sources() -> dict[Path, str]:
    """Every Python file (a data migration counts as a use of what it calls)."""
    files = [path for folder in (*PACKAGES, "tests") for path in (ROOT / folder).rglob("*.py")]
    return {path: path.read_text() for path in files}


def unused_functions(sources: dict[Path, str], templates: str) -> list[str]:
    """Module-level functions of the packages whose name appears nowhere but where they
    are defined."""
    words = Counter(re.findall(r"\w+", "\n".join([*sources.values(), templates])))
    unused = []
    for path, text in sources.items():
        if path.relative_to(ROOT).parts[0] not in PACKAGES or "migrations" in path.parts:
            continue
        for node in ast.parse(text).body:
            function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            if function and words[node.name] <= 1:
                unused.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    return unused


def test_the_check_finds_a_function_nothing_calls():
    sources = {ROOT / "calls" / "x.py": "def used():\n    pass\n\ndef orphan():\n    used()\n"}
    assert unused_functions(sources, "") == ["calls/x.py:4 orphan"]


def test_every_module_level_function_is_used_somewhere():
    templates = "\n".join(
        path.read_text() for path in (ROOT / "templates").rglob("*") if path.is_file()
    )
    assert unused_functions(_sources(), templates) == []


# --- One helper for one job -------------------------------------------------------------

# (what a function's source contains, the one function allowed to contain it)
ONE_PLACE = {
    "a scoreboard row for the tie-break rules": (
        lambda src: "TieCandidate(" in src and "row.institute_ids" in src,
        "reviews/selectors/shortlist.py:tie_candidate",
    ),
}


def places_doing(sources: dict[Path, str], does) -> list[str]:
    found = []
    for path, text in sources.items():
        if path.relative_to(ROOT).parts[0] not in PACKAGES or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef) and does(ast.get_source_segment(text, node)):
                found.append(f"{path.relative_to(ROOT)}:{node.name}")
    return found


def test_each_job_has_one_helper():
    sources = _sources()
    found = {job: places_doing(sources, does) for job, (does, _one) in ONE_PLACE.items()}
    assert found == {job: [one] for job, (_does, one) in ONE_PLACE.items()}
