"""The baseline the province's approval makes of each project of a plan (规划审定 → 项目台账),
and what would stop it: checked while the county compiles (as blocking flags, see
selectors.plan_review) and again by the approval itself (services._baseline_project).

The baseline of a project is everything the approved plan fixed: its code and name, school,
programme, category, building kind and work type, plan year and year of completion, content,
floor area, amount, the amount of each fund source and the equipment lines. A plan that
carries an approved project again (an annual plan repeats the five-year plan's projects)
must carry it with the same baseline: any difference is a change request's business.
"""

import copy
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gaibo.constraints import check_constraint_errors
from gaibo.money import ZERO, wan_text
from plans.choices import SOURCE_FIELDS, SOURCE_LABELS, PlanState
from plans.models import Plan, PlanItem
from projects.choices import ConstructionKind, Programme, ProjectCategory, WorkType
from projects.models import Project

# What a county reads for each part of the baseline, in the order it reads them.
LABELS = {
    "code": gettext_lazy("project code"),
    "name": gettext_lazy("project name"),
    "school": gettext_lazy("school"),
    "programme": gettext_lazy("programme"),
    "category": gettext_lazy("category"),
    "construction_kind": gettext_lazy("building kind"),
    "work_type": gettext_lazy("work type"),
    "plan_year": gettext_lazy("plan year"),
    "end_year": gettext_lazy("year of completion"),
    "content": gettext_lazy("content"),
    "planned_area": gettext_lazy("planned floor area (m²)"),
    "planned_amount": gettext_lazy("Planned amount (10,000 yuan)"),
    **SOURCE_LABELS,
    "lines": gettext_lazy("equipment lines"),
}
CHOICES = {
    "programme": Programme,
    "category": ProjectCategory,
    "construction_kind": ConstructionKind,
    "work_type": WorkType,
}


def project_values(item: PlanItem, plan: Plan) -> dict:
    """The baseline fields of the project of the register that the item makes."""
    return {
        "code": item.code,
        "name": item.name,
        "school": item.school,
        "programme": plan.programme,
        "category": item.category,
        "construction_kind": item.construction_kind,
        "work_type": item.work_type,
        "plan_year": item.plan_year,
        "content": item.content,
        "planned_area": item.planned_area,
        "planned_amount": item.planned_amount,
    }


def item_lines(item: PlanItem) -> list[tuple]:
    return sorted(
        (line.category, line.name, line.unit, line.quantity, line.amount)
        for line in item.lines.all()
    )


def project_lines(project: Project) -> list[tuple]:
    return sorted(
        (line.category, line.item, line.unit, line.quantity, line.amount)
        for line in project.equipment_lines.all()
    )


def project_funds(project: Project) -> dict:
    """{item field: planned amount} of the project's funding plan, every source (0 if none)."""
    funds = {line.source: line.amount for line in project.funding_plan.all()}
    return {field: funds.get(source, ZERO) for source, field in SOURCE_FIELDS.items()}


@dataclass
class Difference:
    name: str
    approved: object
    planned: object

    def __str__(self) -> str:
        label = LABELS[self.name]
        if self.name in ("content", "lines"):
            return str(label)
        return _("%(label)s: approved %(approved)s, here %(planned)s") % {
            "label": label,
            "approved": _shown(self.name, self.approved),
            "planned": _shown(self.name, self.planned),
        }


def _shown(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if name == "school":
        return value.name
    if name in CHOICES:
        return str(CHOICES[name](value).label)
    if name == "planned_amount" or name in SOURCE_FIELDS.values():
        return wan_text(value)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def differences(item: PlanItem, plan: Plan, project: Project, *, end_year: int) -> list:
    """What the item plans otherwise than the approved project (its baseline), in the order
    of LABELS; the project's funding plan and equipment lines prefetched or not."""
    found = []
    for name, value in project_values(item, plan).items():
        if name == "school":
            if value.pk != project.school_id:
                found.append(Difference(name, project.school, value))
        elif getattr(project, name) != value:
            found.append(Difference(name, getattr(project, name), value))
    if item.end_year != end_year:
        found.append(Difference("end_year", end_year, item.end_year))
    funds = project_funds(project)
    for field in SOURCE_FIELDS.values():
        if funds[field] != getattr(item, field):
            found.append(Difference(field, funds[field], getattr(item, field)))
    if item_lines(item) != project_lines(project):
        found.append(Difference("lines", None, None))
    order = list(LABELS)
    return sorted(found, key=lambda difference: order.index(difference.name))


def differs_message(code: str, found: list) -> str:
    return _(
        "Project %(code)s was approved with other figures (%(differences)s). An approved "
        "project changes only through a change request: enter its approved figures here, or "
        "ask the city to approve a change request first."
    ) % {"code": code, "differences": "; ".join(str(difference) for difference in found)}


def code_taken_message(code: str) -> str:
    return _(
        "The project code %(code)s is already used by a project of another county: choose "
        "another code (project codes are unique across the province)."
    ) % {"code": code}


def takeover_refusal(item: PlanItem, plan: Plan, project: Project) -> str | None:
    """Why the register's project under the item's code, not yet in an approved plan, cannot
    become the item's project: it is another county's, or another programme's or school's
    (a project of 全面改薄 under a code the county uses again, say). The approval takes over
    only a project of the county registered for this programme at this school (an early
    project, 提前实施), progress and all."""
    if project.school.county_id != plan.county_id:
        return code_taken_message(item.code)
    if project.programme != plan.programme or project.school_id != item.school_id:
        return _(
            "The project code %(code)s is already used by the project %(name)s (%(school)s, "
            "%(programme)s): choose another code."
        ) % {
            "code": item.code,
            "name": project.name,
            "school": project.school.name,
            "programme": Programme(project.programme).label,
        }
    return None


def invalid_message(code: str, problems) -> str:
    return _("Project %(code)s cannot become a project of the register: %(problems)s") % {
        "code": code,
        "problems": " ".join(problems),
    }


def candidate(item: PlanItem, plan: Plan, existing: Project | None) -> Project:
    """The project as the approval makes it (not saved): the register's project of the same
    code taken over, or a new one."""
    project = existing if existing is not None else Project(code=item.code)
    for name, value in project_values(item, plan).items():
        setattr(project, name, value)
    project.status = project.status_from_dates()
    return project


def candidate_problems(item: PlanItem, plan: Plan, existing: Project | None) -> list[str]:
    """Why projects.services.project_save would refuse the project the approval makes (but
    for the school's eligibility, flagged on its own).

    A new project is checked field by field: the item's constraints are the project's. One
    registered before the plan and taken over is checked against every constraint too, since
    only there do its dates and status meet the item's figures (in one query, not one per
    constraint: the plan page does this for each such item).
    """
    takeover = existing is not None
    project = candidate(item, plan, copy.copy(existing) if takeover else None)
    try:
        project.full_clean(exclude=["school"], validate_unique=takeover, validate_constraints=False)
    except ValidationError as error:
        return error.messages
    return check_constraint_errors(project) if takeover else []


def problems(plan: Plan, items) -> dict:
    """{item pk: [(flag code, message)]} of what the province's approval would refuse: a code
    another county's project has, a project approved before with other figures, a project the
    register would not accept. A fixed number of queries, plus the full check of each project
    registered before the plan that an item takes over."""
    found = {}
    if plan.state == PlanState.APPROVED:
        return found
    projects = {
        project.code: project
        for project in Project.objects.filter(code__in={item.code for item in items})
        .select_related("school")
        .prefetch_related("funding_plan", "equipment_lines")
    }
    end_years = {}
    for project_id, end_year in (
        PlanItem.objects.filter(plan__state=PlanState.APPROVED, project__in=projects.values())
        .order_by("plan__first_year", "pk")
        .values_list("project_id", "end_year")
    ):
        end_years[project_id] = end_year  # the latest approved plan's
    for item in items:
        project = projects.get(item.code)
        if project is not None and project.school.county_id != plan.county_id:
            found[item.pk] = [("code_taken", code_taken_message(item.code))]
        elif project is not None and project.pk in end_years:
            changed = differences(item, plan, project, end_year=end_years[project.pk])
            if changed:
                found[item.pk] = [("differs_from_baseline", differs_message(item.code, changed))]
        elif project is not None and (refusal := takeover_refusal(item, plan, project)):
            found[item.pk] = [("code_taken", refusal)]
        else:
            invalid = candidate_problems(item, plan, project)
            if invalid:
                found[item.pk] = [("not_a_project", invalid_message(item.code, invalid))]
    return found
