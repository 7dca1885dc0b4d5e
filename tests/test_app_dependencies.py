"""The arrows between the apps point one way: plans depends on projects and funding, never
the reverse (projects asks plans about baselines through projects.baseline)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_apps(app: str) -> set[str]:
    """The top-level packages the app's modules import (migrations left out)."""
    found = set()
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
    return found


@pytest.mark.parametrize("app", ["projects", "funding"])
def test_projects_and_funding_do_not_import_plans(app):
    assert "plans" not in imported_apps(app)


def test_a_projects_baseline_is_still_known_to_projects(db):
    """The plans app answers projects.baseline's questions once Django has started."""
    from projects import baseline

    assert baseline._answers.keys() == {"is_baselined", "baseline_of"}
