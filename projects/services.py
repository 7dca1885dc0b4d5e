"""Writes to districts, schools, projects and equipment lines."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from funding import services as funding_services
from gaibo.services import recorded_delete, validated_save
from projects.baseline import BASELINE_FIELDS, is_baselined
from projects.models import District, EquipmentLine, Project, School


def _refresh_fund_totals(before, projects) -> None:
    """Projects moved to another county or programme: their funds count there now."""
    funding_services.fund_totals_refresh(set(before) | funding_services.fund_cells(projects))


def _check_role(acting_user) -> None:
    if not acting_user.can_edit_projects:
        raise PermissionDenied(_("Your role cannot edit schools or projects."))


def _check_can_edit(*, acting_user, school: School) -> None:
    _check_role(acting_user)
    if not School.objects.visible_to(acting_user).filter(pk=school.pk).exists():
        raise ValidationError({"school": _("This school is outside your district.")})


@transaction.atomic
def school_save(*, school: School, acting_user) -> School:
    """Create or update a school inside the acting user's district."""
    _check_role(acting_user)
    if not District.objects.visible_to(acting_user).filter(pk=school.county_id).exists():
        raise ValidationError({"county": _("This county is outside your district.")})
    if school.pk and not School.objects.visible_to(acting_user).filter(pk=school.pk).exists():
        raise PermissionDenied(_("This school is outside your district."))
    stored = School.objects.filter(pk=school.pk).values_list("county", flat=True).first()
    moved = school.pk and stored != school.county_id
    before = ()
    if moved:
        # The money of its projects moves county: both counties first (see lock_counties).
        funding_services.lock_counties([stored, school.county_id])
        before = funding_services.fund_cells(Project.objects.filter(school=school.pk))
    school = validated_save(school, acting_user=acting_user)
    if moved:
        _refresh_fund_totals(before, Project.objects.filter(school=school))
    return school


@transaction.atomic
def project_save(
    *,
    project: Project,
    acting_user,
    lines: Iterable[EquipmentLine] = (),
    removed_lines: Iterable[EquipmentLine] = (),
    baseline_change: bool = False,
) -> Project:
    """Create or update a project, its status following its step dates.

    The status is the last lifecycle step that has a date; the database constraints keep the
    two in agreement. Equipment lines given are saved with it, in the same transaction.

    Once a province-approved plan holds the project, its scope, amount and duration (the
    baseline, projects.baseline) change only through the plans app (the plan's approval or an
    approved change request), which passes `baseline_change=True` after checking its roles.
    """
    if project.pk and not Project.objects.visible_to(acting_user).filter(pk=project.pk).exists():
        raise PermissionDenied(_("This project is outside your district."))
    if baseline_change:
        if not School.objects.visible_to(acting_user).filter(pk=project.school_id).exists():
            raise ValidationError({"school": _("This school is outside your district.")})
    else:
        _check_can_edit(acting_user=acting_user, school=project.school)
        _check_baseline_kept(project, lines=lines, removed_lines=removed_lines)
    problems = project.school.eligibility_problems()
    if problems:
        raise ValidationError({"school": problems})
    project.status = project.status_from_dates()
    stored = Project.objects.filter(pk=project.pk).values_list("school__county", "programme")
    stored = stored.first()
    moved = project.pk and stored != (project.school.county_id, project.programme)
    before = ()
    if moved:
        # Its money moves county or programme: the counties first (see lock_counties).
        funding_services.lock_counties([stored[0], project.school.county_id])
        before = funding_services.fund_cells(Project.objects.filter(pk=project.pk))
    validated_save(project, acting_user=acting_user)
    if moved:
        _refresh_fund_totals(before, Project.objects.filter(pk=project.pk))
    _save_lines(project=project, lines=lines, removed=removed_lines, acting_user=acting_user)
    return project


def _check_baseline_kept(project: Project, *, lines, removed_lines) -> None:
    """Refuse a change to the baseline of a project of an approved plan."""
    if not project.pk or not is_baselined(project.pk):
        return
    stored = Project.objects.get(pk=project.pk)
    changed = {
        name: _("This is fixed by the approved plan: ask for a change request.")
        for name in BASELINE_FIELDS
        if getattr(stored, name if name != "school" else "school_id")
        != getattr(project, name if name != "school" else "school_id")
    }
    if changed:
        raise ValidationError(changed)
    if list(lines) or list(removed_lines):
        raise ValidationError(
            _(
                "The equipment of a project of an approved plan is fixed by the plan: ask for a "
                "change request."
            )
        )


@transaction.atomic
def equipment_lines_save(
    *,
    project: Project,
    lines: Iterable[EquipmentLine],
    removed: Iterable[EquipmentLine],
    acting_user,
) -> None:
    """Save and remove equipment lines of a project the acting user may edit."""
    _check_can_edit(acting_user=acting_user, school=project.school)
    _check_baseline_kept(project, lines=lines, removed_lines=removed)
    _save_lines(project=project, lines=lines, removed=removed, acting_user=acting_user)


def _save_lines(*, project: Project, lines, removed, acting_user) -> None:
    for line in removed:
        if line.project_id != project.pk:
            raise ValidationError(_("This equipment line belongs to another project."))
        recorded_delete(line, acting_user=acting_user)
    for line in lines:
        line.project = project
        validated_save(line, acting_user=acting_user)
