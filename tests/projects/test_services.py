from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects import selectors, services
from projects.choices import ProjectStatus
from projects.models import EquipmentLine, Project
from tests.factories import EquipmentLineFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_saving_a_project_sets_its_status_from_its_dates(tree, users):
    project = tree.projects["210881"]
    project.approved_on = date(2022, 3, 1)
    project.tendered_on = date(2022, 4, 1)
    project.contracted_on = date(2022, 4, 20)
    project.started_on = date(2022, 5, 6)
    services.project_save(project=project, acting_user=users.gaizhou)
    project.refresh_from_db()
    assert project.status == ProjectStatus.STARTED


def test_history_records_who_changed_what_from_what(tree, users):
    project = tree.projects["210881"]
    project.planned_amount = Decimal("4000000.00")
    services.project_save(project=project, acting_user=users.gaizhou)
    latest = selectors.project_history(project=project, user=users.gaizhou)[0]
    assert latest.who == "gaizhou"
    change = next(c for c in latest.changes if "amount" in c.label or "投资" in c.label)
    assert (change.old, change.new) == ("3600000.00", "4000000.00")


def test_a_county_cannot_put_a_project_in_another_countys_school(tree, users):
    project = ProjectFactory.build(school=tree.schools["210882"], code="X-1")
    with pytest.raises(ValidationError):
        services.project_save(project=project, acting_user=users.gaizhou)
    assert not Project.objects.filter(code="X-1").exists()


def test_a_county_cannot_edit_another_countys_project(tree, users):
    project = tree.projects["210882"]
    project.name = "改名"
    with pytest.raises(PermissionDenied):
        services.project_save(project=project, acting_user=users.gaizhou)
    project.refresh_from_db()
    assert project.name != "改名"


@pytest.mark.parametrize("role", ["gaizhou_finance", "inspector", "province"])
def test_read_only_roles_cannot_edit_projects(tree, users, role):
    project = tree.projects["210881"]
    with pytest.raises(PermissionDenied):
        services.project_save(project=project, acting_user=getattr(users, role))


def test_a_bad_line_saves_nothing_of_the_project(tree, users):
    project = tree.projects["210881"]
    project.name = "新名称"
    bad_line = EquipmentLineFactory.build(category="books", unit="set")
    with pytest.raises(ValidationError):
        services.project_save(project=project, acting_user=users.gaizhou, lines=[bad_line])
    project.refresh_from_db()
    assert project.name != "新名称"
    assert not EquipmentLine.objects.exists()


def test_lines_are_saved_and_removed_with_history(tree, users):
    project = tree.projects["210881"]
    line = EquipmentLineFactory.build(item="学生床")
    services.project_save(project=project, acting_user=users.gaizhou, lines=[line])
    assert project.equipment_lines.get().item == "学生床"
    services.project_save(project=project, acting_user=users.gaizhou, removed_lines=[line])
    assert not project.equipment_lines.exists()
    actions = [
        entry.action for entry in selectors.project_history(project=project, user=users.gaizhou)
    ]
    assert len(actions) == 3  # the project's creation, the line added, the line removed
    assert EquipmentLine.history.filter(history_user=users.gaizhou).count() == 2
