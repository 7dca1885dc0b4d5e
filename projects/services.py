"""Writes to districts, schools, projects and equipment lines."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from funding import services as funding_services
from gaibo.services import recorded_delete, validated_save
from projects.baseline import BASELINE_FIELDS, is_baselined
from projects.models import District, EquipmentLine, Project, School

# The fields of a project its county's plan totals count (funding.models.PlanTotals).
PLAN_FIELDS = ("programme", "school_id", "category", "planned_area", "planned_amount", "is_early")


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
        funding_services.plan_totals_refresh([stored, school.county_id])
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
    lines, removed_lines = list(lines), list(removed_lines)
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
    stored = Project.objects.filter(pk=project.pk).values_list("school__county", *PLAN_FIELDS)
    stored = stored.first()
    moved = project.pk and stored[:2] != (project.school.county_id, project.programme)
    # What the plan's totals count changed: they are summed again for its counties, locked
    # first (see lock_counties), as its money is when it moves.
    counties = {project.school.county_id, stored[0] if stored else None}
    plan_changed = (
        stored != (project.school.county_id, *(getattr(project, f) for f in PLAN_FIELDS))
        or bool(lines)
        or bool(removed_lines)
    )
    if plan_changed:
        funding_services.lock_counties(counties)
    before = ()
    if moved:
        before = funding_services.fund_cells(Project.objects.filter(pk=project.pk))
    validated_save(project, acting_user=acting_user)
    if moved:
        _refresh_fund_totals(before, Project.objects.filter(pk=project.pk))
    _save_lines(project=project, lines=lines, removed=removed_lines, acting_user=acting_user)
    if plan_changed:
        funding_services.plan_totals_refresh(counties)
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
def project_delete(*, project: Project, acting_user) -> None:
    """Delete a project (the admin's; one with money or reports is protected by the database),
    its equipment lines and funding plan with it, and sum its county's plan again."""
    _check_role(acting_user)
    if not Project.objects.visible_to(acting_user).filter(pk=project.pk).exists():
        raise PermissionDenied(_("This project is outside your district."))
    county = project.school.county_id
    funding_services.lock_counties([county])
    recorded_delete(project, acting_user=acting_user)
    funding_services.plan_totals_refresh([county])


def _save_lines(*, project: Project, lines, removed, acting_user) -> None:
    for line in removed:
        if line.project_id != project.pk:
            raise ValidationError(_("This equipment line belongs to another project."))
        recorded_delete(line, acting_user=acting_user)
    for line in lines:
        line.project = project
        validated_save(line, acting_user=acting_user)
