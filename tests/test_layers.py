"""Dependencies point one way: awards -> reviews -> calls -> aissai. The project package
never reaches up, neither by import nor through the app registry (``apps.get_model``,
``import_string``): where it must act on what the upper apps hold (a person's data), they
register a handler with it."""

import ast
import re
from pathlib import Path

from django.conf import settings

UPPER_APPS = ("calls", "reviews", "awards")
REGISTRY_CALLS = {"get_model", "import_string", "import_module"}
# "calls.Partner": a model label, whatever helper it is handed to.
MODEL_LABEL = re.compile(rf"^({'|'.join(UPPER_APPS)})\.[A-Z]\w*$")


def _names_upper_app(text: str) -> bool:
    return any(text == app or text.startswith(f"{app}.") for app in UPPER_APPS)


def reaches_up(source: str) -> list[str]:
    """What in ``source`` names a model or module of an upper app."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if _names_upper_app(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if _names_upper_app(node.module):
                found.append(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if MODEL_LABEL.match(node.value):
                found.append(node.value)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in REGISTRY_CALLS or not node.args:
                continue
            first = node.args[0]
            literal = first.value if isinstance(first, ast.Constant) else None
            if isinstance(literal, str) and _names_upper_app(literal):
                found.append(f"{name}({literal!r})")
    return found


def test_the_check_finds_every_way_up():
    assert reaches_up("from django.apps import apps\napps.get_model('calls.Partner')")
    assert reaches_up("apps.get_model('reviews', 'Expert')")
    assert reaches_up("import_string('calls.selectors.applications.label')")
    assert reaches_up("from calls.models import Call")
    assert reaches_up("import reviews.models")
    assert reaches_up("def model(label): ...\nmodel('calls.InstituteCorrespondent')")
    assert not reaches_up("apps.get_model('axes', 'AccessLog')\nfrom .registry import holders")


def test_the_project_package_never_reaches_up_to_calls_reviews_or_awards():
    package = Path(settings.BASE_DIR) / "aissai"
    found = {
        str(path.relative_to(package)): hits
        for path in sorted(package.rglob("*.py"))
        if (hits := reaches_up(path.read_text()))
    }
    assert found == {}


def test_calls_and_reviews_register_what_they_hold_about_a_person():
    from aissai.accounts.personal_data.registry import holders

    assert [holder.label for holder in holders()] == ["calls", "reviews"]
