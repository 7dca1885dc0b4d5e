"""Fixtures of the supervision tests: media in a temporary folder, a checklist, a visit of
营口市's two counties by the city's inspector, and a finding addressed to each county."""

from types import SimpleNamespace

import pytest

from inspections.models import ChecklistItem
from tests.inspections.factories import checklist, make_finding, make_visit


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def items(db):
    """The tests' own checklist, in place of the one the migration installs."""
    ChecklistItem.objects.all().delete()
    return checklist()


@pytest.fixture
def visit(tree, users, items):
    return make_visit(
        user=users.inspector,
        schools=[tree.schools["210881"]],
        projects=[tree.projects["210882"]],
        summary="抽查两县在建项目",
    )


@pytest.fixture
def findings(tree, users, visit):
    return SimpleNamespace(
        gaizhou=make_finding(visit=visit, county=tree.gaizhou, user=users.inspector),
        dashiqiao=make_finding(
            visit=visit,
            county=tree.dashiqiao,
            user=users.inspector,
            description="资金支付凭证不全",
        ),
    )
