"""Writes of plans: compiling (items, imports), the review steps (submit → city → province),
the baseline the province's approval makes of each project, and change requests."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from funding.services import (
    funding_plan_save,
    lock_counties,
    lock_county_of_project,
    totals_deferred,
)
from gaibo.money import wan_text
from gaibo.services import recorded_delete, validated_save
from plans import baseline, selectors
from plans.access import can_approve, can_compile, can_review
from plans.choices import (
    EDITABLE_PLAN_STATES,
    SOURCE_FIELDS,
    ChangeKind,
    ChangeState,
    PlanAction,
    PlanKind,
    PlanState,
)
from plans.models import ChangeRequest, Plan, PlanComment, PlanEvent, PlanItem, PlanItemLine
from projects.choices import PROGRAMME_YEARS, DistrictLevel, ProjectCategory
from projects.models import District, EquipmentLine, Project, School
from projects.services import project_save


def _history_reason(text: str) -> str:
    """A change reason as the history keeps it: django-simple-history's column holds 100
    characters (the whole text stays on the plan's step or the change request)."""
    limit = Project.history.model._meta.get_field("history_change_reason").max_length
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _visible_plan(plan: Plan, user, *, lock: bool = False) -> Plan:
    plans = Plan.objects.visible_to(user)
    if lock:
        plans = plans.select_for_update(of=("self",))
    found = plans.filter(pk=plan.pk).first()
    if found is None:
        raise PermissionDenied(_("This plan is outside your district."))
    return found


def _require_editable(plan: Plan) -> None:
    if plan.state not in EDITABLE_PLAN_STATES:
        raise ValidationError(
            _("The plan is “%(state)s”: its projects can no longer be changed.")
            % {"state": plan.get_state_display()}
        )


@transaction.atomic
def plan_create(*, plan: Plan, acting_user) -> Plan:
    """Start a county's five-year or annual plan."""
    if not can_compile(acting_user):
        raise PermissionDenied(_("Your role cannot compile plans."))
    county = District.objects.visible_to(acting_user).filter(pk=plan.county_id).first()
    if county is None or county.level != DistrictLevel.COUNTY:
        raise ValidationError({"county": _("Choose a county of your district.")})
    if plan.kind == "five_year" and plan.programme:
        plan.first_year, plan.last_year = PROGRAMME_YEARS[plan.programme]
    elif plan.first_year:
        plan.last_year = plan.first_year
    plan.created_by = acting_user
    plan.state = PlanState.DRAFT
    return validated_save(plan, acting_user=acting_user)


def _check_item(item: PlanItem, plan: Plan, acting_user) -> None:
    school = School.objects.visible_to(acting_user).filter(pk=item.school_id).first()
    if school is None or school.county_id != plan.county_id:
        raise ValidationError({"school": _("Choose a school of the plan's county.")})
    if item.plan_year is not None and not plan.first_year <= item.plan_year <= plan.last_year:
        raise ValidationError(
            {
                "plan_year": _("The plan year lies outside the plan's years (%(years)s).")
                % {"years": plan.years}
            }
        )


@transaction.atomic
def plan_item_save(*, item: PlanItem, acting_user, lines=(), removed_lines=()) -> PlanItem:
    """Add a project to a plan being compiled, or change one, with its equipment lines.

    The rules of the city's instruction are not refusals here but flags (see
    selectors.plan_review): the county sees them all at once and fixes them before submitting.
    """
    if not can_compile(acting_user):
        raise PermissionDenied(_("Your role cannot compile plans."))
    plan = _visible_plan(item.plan, acting_user, lock=True)
    _require_editable(plan)
    if item.pk and not PlanItem.objects.filter(pk=item.pk, plan=plan).exists():
        raise PermissionDenied(_("This project belongs to another plan."))
    _check_item(item, plan, acting_user)
    if item.category != ProjectCategory.CONSTRUCTION:
        item.construction_kind = item.work_type = ""
        item.planned_area = None
    validated_save(item, acting_user=acting_user)
    for line in removed_lines:
        if line.item_id != item.pk:
            raise ValidationError(_("This equipment line belongs to another project."))
        recorded_delete(line, acting_user=acting_user)
    for line in lines:
        line.item = item
        validated_save(line, acting_user=acting_user)
    return item


@transaction.atomic
def plan_item_delete(*, item: PlanItem, acting_user) -> None:
    if not can_compile(acting_user):
        raise PermissionDenied(_("Your role cannot compile plans."))
    plan = _visible_plan(item.plan, acting_user, lock=True)
    _require_editable(plan)
    recorded_delete(item, acting_user=acting_user)


def _step(plan: Plan, *, action, to_state, acting_user, reason: str = "") -> PlanEvent:
    event = PlanEvent(
        plan=plan,
        action=action,
        from_state=plan.state,
        to_state=to_state,
        reason=reason,
        actor=acting_user,
    )
    plan.state = to_state
    validated_save(plan, acting_user=acting_user)
    event.full_clean()
    event.save()
    return event


def _require_state(plan: Plan, *states) -> None:
    if plan.state not in states:
        raise ValidationError(
            _("The plan is “%(state)s”: this step is not possible now.")
            % {"state": plan.get_state_display()}
        )


def _require_no_blocking_flags(plan: Plan) -> None:
    items = list(selectors.plan_items(plan))
    if not items:
        raise ValidationError(_("The plan has no projects yet."))
    review = selectors.plan_review(plan, items)
    if review.blocking:
        raise ValidationError(
            _(
                "%(count)s problems flagged in the plan must be fixed first (marked “must be "
                "fixed” beside their projects)."
            )
            % {"count": review.blocking}
        )


@transaction.atomic
def plan_submit(*, plan: Plan, acting_user) -> Plan:
    """The county submits its plan to the city, once nothing flagged blocks it."""
    if not can_compile(acting_user):
        raise PermissionDenied(_("Your role cannot submit plans."))
    plan = _visible_plan(plan, acting_user, lock=True)
    _require_state(plan, *EDITABLE_PLAN_STATES)
    _require_no_blocking_flags(plan)
    _step(plan, action=PlanAction.SUBMIT, to_state=PlanState.SUBMITTED, acting_user=acting_user)
    return plan


@transaction.atomic
def plan_return(*, plan: Plan, acting_user, reason: str = "", comments: dict) -> Plan:
    """The city (or the province) sends the plan back to the county, with a comment on the
    plan and on each project that needs one ({item pk: text})."""
    plan = _visible_plan(plan, acting_user, lock=True)
    may_return = {
        PlanState.SUBMITTED: can_review(acting_user),
        PlanState.CITY_APPROVED: can_approve(acting_user),
    }
    _require_state(plan, *may_return)
    if not may_return[plan.state]:
        raise PermissionDenied(_("Your role cannot return this plan now."))
    comments = {pk: text.strip() for pk, text in comments.items() if text and text.strip()}
    if not reason.strip() and not comments:
        raise ValidationError(
            {"reason": _("Say why the plan is returned: on the plan or on a project.")}
        )
    items = {item.pk: item for item in plan.items.filter(pk__in=list(comments))}
    if set(items) != set(comments):
        raise ValidationError(_("A comment names a project that is not in this plan."))
    event = _step(
        plan,
        action=PlanAction.RETURN,
        to_state=PlanState.RETURNED,
        acting_user=acting_user,
        reason=reason.strip(),
    )
    for pk, text in comments.items():
        item = items[pk]
        comment = PlanComment(
            event=event, item=item, item_code=item.code, item_name=item.name, text=text
        )
        comment.full_clean()
        comment.save()
    return plan


@transaction.atomic
def plan_city_approve(*, plan: Plan, acting_user, reason: str = "") -> Plan:
    """The city's review passes the plan on to the province."""
    if not can_review(acting_user):
        raise PermissionDenied(_("Your role cannot review plans."))
    plan = _visible_plan(plan, acting_user, lock=True)
    _require_state(plan, PlanState.SUBMITTED)
    _require_no_blocking_flags(plan)
    _step(
        plan,
        action=PlanAction.CITY_APPROVE,
        to_state=PlanState.CITY_APPROVED,
        acting_user=acting_user,
        reason=reason.strip(),
    )
    return plan


@transaction.atomic
def plan_approve(*, plan: Plan, acting_user, reason: str = "") -> Plan:
    """The province approves: each item becomes a project of the register (or confirms the
    one of the same code), whose scope, amount and duration this plan now fixes."""
    if not can_approve(acting_user):
        raise PermissionDenied(_("Your role cannot give plans their final approval."))
    plan = _visible_plan(plan, acting_user, lock=True)
    # The county before its projects (see funding.services.lock_counties): their plan totals
    # are summed again as each is saved.
    lock_counties([plan.county_id])
    _require_state(plan, PlanState.CITY_APPROVED)
    _require_no_blocking_flags(plan)
    with totals_deferred():  # the county's plan totals summed once, after every item
        for item in selectors.plan_items(plan):
            item.project = _baseline_project(item, plan, acting_user)
            validated_save(item, acting_user=acting_user)
    _step(plan, action=PlanAction.APPROVE, to_state=PlanState.APPROVED, acting_user=acting_user)
    return plan


def _baseline_project(item: PlanItem, plan: Plan, acting_user) -> Project:
    """The project of the register the approved item makes, or confirms. The review flags
    each refusal below while the county compiles (plans.baseline.problems); they are checked
    again here, under the project's lock, for what changed since (another county approved
    first, a change request was approved meanwhile)."""
    project = (
        Project.objects.select_for_update(of=("self",)).filter(code=item.code).order_by().first()
    )
    if project is not None:
        if project.school.county_id != plan.county_id:
            raise ValidationError(baseline.code_taken_message(item.code))
        approved = selectors.baseline_item(project.pk)
        if approved is not None:
            # A plan repeating a project of an approved plan confirms it as it stands.
            changed = baseline.differences(item, plan, project, end_year=approved.end_year)
            if changed:
                raise ValidationError(baseline.differs_message(item.code, changed))
            return project
        refusal = baseline.takeover_refusal(item, plan, project)
        if refusal:
            raise ValidationError(refusal)
        removed = list(project.equipment_lines.all())
    else:
        removed = []
    project = baseline.candidate(item, plan, project)
    lines = [
        EquipmentLine(
            category=line.category,
            item=line.name,
            unit=line.unit,
            quantity=line.quantity,
            amount=line.amount,
        )
        for line in item.lines.all()
    ]
    project._change_reason = _history_reason(_("Plan approved: %(plan)s") % {"plan": plan.title})
    try:
        with transaction.atomic():
            project_save(
                project=project,
                acting_user=acting_user,
                lines=lines,
                removed_lines=removed,
                baseline_change=True,
            )
    except ValidationError as error:
        raise ValidationError(baseline.invalid_message(item.code, error.messages)) from None
    except IntegrityError:
        # Another approval created a project of this code since it was looked up above.
        raise ValidationError(
            _("The project code %(code)s was taken by another approval just now: try again.")
            % {"code": item.code}
        ) from None
    funding_plan_save(
        project=project,
        amounts={source: getattr(item, field) for source, field in SOURCE_FIELDS.items()},
        acting_user=acting_user,
        baseline_change=True,
    )
    return project


# Change requests ---------------------------------------------------------------------------


def _money(value) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def current_values(project: Project, item: PlanItem, kind: str) -> dict:
    """The values a change of this kind replaces, as text (yuan, m², years)."""
    if kind == ChangeKind.VALUE:
        funds = {line.source: line.amount for line in project.funding_plan.all()}
        return {
            "planned_amount": _money(project.planned_amount),
            **{field: _money(funds.get(source, 0)) for source, field in SOURCE_FIELDS.items()},
        }
    if kind == ChangeKind.DURATION:
        return {"plan_year": project.plan_year, "end_year": item.end_year}
    return {
        "name": project.name,
        "planned_area": None if project.planned_area is None else str(project.planned_area),
        "content": project.content,
        "lines": [
            {
                "category": line.category,
                "item": line.item,
                "unit": line.unit,
                "quantity": _money(line.quantity),
                "amount": _money(line.amount),
            }
            for line in project.equipment_lines.order_by("pk")
        ],
    }


def _equipment_lines(values: list) -> list[EquipmentLine]:
    return [
        EquipmentLine(
            category=line["category"],
            item=line["item"],
            unit=line["unit"],
            quantity=Decimal(line["quantity"]),
            amount=Decimal(line["amount"]),
        )
        for line in values
    ]


def _check_new_values(project: Project, kind: str, new: dict) -> None:
    if kind == ChangeKind.VALUE:
        total = sum(Decimal(new[field]) for field in SOURCE_FIELDS.values())
        if total != Decimal(new["planned_amount"]):
            raise ValidationError(
                _(
                    "The fund sources add up to %(sources)s, not the new amount %(amount)s "
                    "(10,000 yuan)."
                )
                % {"sources": wan_text(total), "amount": wan_text(Decimal(new["planned_amount"]))}
            )
    elif kind == ChangeKind.DURATION:
        first, last = PROGRAMME_YEARS[project.programme]
        plan_year, end_year = int(new["plan_year"]), int(new["end_year"])
        if not first <= plan_year <= last:
            raise ValidationError(
                {
                    "plan_year": _("The plan year lies outside the programme's years (%(years)s).")
                    % {"years": f"{first}-{last}"}
                }
            )
        if end_year < plan_year:
            raise ValidationError(
                {"end_year": _("The year of completion cannot be before the plan year.")}
            )
        if project.category != ProjectCategory.CONSTRUCTION and end_year != plan_year:
            raise ValidationError(
                {"end_year": _("Equipment and IT projects are finished within their plan year.")}
            )
        if end_year > last:
            raise ValidationError(
                {"end_year": _("All construction is finished by %(last)s.") % {"last": last}}
            )
    elif kind == ChangeKind.SCOPE:
        area = new.get("planned_area")
        if project.category == ProjectCategory.CONSTRUCTION and not (area and Decimal(area) > 0):
            raise ValidationError(
                {"planned_area": _("A construction project needs a planned floor area above zero.")}
            )
        if project.category != ProjectCategory.CONSTRUCTION and area:
            raise ValidationError(
                {"planned_area": _("Equipment and IT projects have no floor area.")}
            )
        for line in _equipment_lines(new.get("lines", [])):
            try:
                line.full_clean(exclude=["project"])
            except ValidationError as error:
                raise ValidationError(
                    {"lines": [f"{line.item}: {message}" for message in error.messages]}
                ) from None
        name = new.get("name", project.name)
        if not name or len(name) > PlanItem._meta.get_field("name").max_length:
            raise ValidationError({"name": _("Give the project's name (200 characters at most).")})
        for field in ("name", "content"):
            problems = selectors.content_problems(new.get(field) or "")
            if problems:
                raise ValidationError({field: [message for _code, message in problems]})


@transaction.atomic
def change_request_create(
    *, project: Project, kind: str, new_values: dict, reason: str, acting_user
) -> ChangeRequest:
    """The county asks to change an approved project's amount, duration or scope."""
    if not can_compile(acting_user):
        raise PermissionDenied(_("Your role cannot ask for changes to projects."))
    project = (
        Project.objects.visible_to(acting_user)
        .select_for_update(of=("self",))
        .filter(pk=project.pk)
        .first()
    )
    if project is None:
        raise PermissionDenied(_("This project is outside your district."))
    item = selectors.baseline_item(project.pk)
    if item is None:
        raise ValidationError(_("The project is not in an approved plan: edit it on its own page."))
    if selectors.pending_change(project) is not None:
        raise ValidationError(_("The project already has a change request awaiting the city."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the project must change.")})
    old = current_values(project, item, kind)
    new = {name: new_values.get(name) for name in old}
    new = {
        name: (str(value) if value is not None and not isinstance(value, int) else value)
        for name, value in new.items()
    }
    if kind == ChangeKind.VALUE:
        new = {name: _money(value or 0) for name, value in new.items()}
    elif kind == ChangeKind.DURATION:
        if any(value in (None, "") for value in new.values()):
            raise ValidationError(_("Give the new plan year and year of completion."))
        new = {name: int(value) for name, value in new.items()}
    else:
        area = new["planned_area"]
        new["planned_area"] = _money(area) if area not in (None, "") else None
        new["content"] = new["content"] or ""
        new["name"] = (new["name"] or old["name"]).strip()  # not given: unchanged
        lines = new_values.get("lines")
        if lines is None:
            new["lines"] = old["lines"]
        else:
            new["lines"] = [
                {
                    "category": line["category"],
                    "item": line["item"].strip(),
                    "unit": line["unit"],
                    "quantity": _money(line["quantity"]),
                    "amount": _money(line["amount"]),
                }
                for line in lines
            ]
    _check_new_values(project, kind, new)
    if new == old:
        raise ValidationError(_("The new values are the same as the approved ones."))
    request = ChangeRequest(
        project=project,
        item=item,
        kind=kind,
        reason=reason.strip(),
        old_values=old,
        new_values=new,
        requested_by=acting_user,
    )
    return validated_save(request, acting_user=acting_user)


def _pending_change(change: ChangeRequest, acting_user) -> ChangeRequest:
    """The request, locked, inside the user's district and still waiting for the city."""
    change = (
        ChangeRequest.objects.visible_to(acting_user)
        .select_for_update(of=("self",))
        .select_related("project__school")
        .filter(pk=change.pk)
        .first()
    )
    if change is None:
        raise PermissionDenied(_("This change request is outside your district."))
    if change.state != ChangeState.PENDING:
        raise ValidationError(_("This change request has already been decided or withdrawn."))
    return change


@transaction.atomic
def change_request_decide(
    *, change: ChangeRequest, approve: bool, acting_user, note: str = ""
) -> ChangeRequest:
    """The city approves a change request (it is applied to the project and its baseline
    through the projects' and funding services, whose history keeps before and after) or
    refuses it, with a note."""
    if not can_review(acting_user):
        raise PermissionDenied(_("Your role cannot decide change requests."))
    change = _pending_change(change, acting_user)
    if not approve and not note.strip():
        raise ValidationError({"decision_note": _("Say why the change is refused.")})
    if approve:
        _apply(change, acting_user)
    change.state = ChangeState.APPROVED if approve else ChangeState.REFUSED
    change.decided_by = acting_user
    change.decided_at = timezone.now()
    change.decision_note = note.strip()
    return validated_save(change, acting_user=acting_user)


def may_withdraw(user, change: ChangeRequest) -> bool:
    """Only the county that asked for the change withdraws it (the one who filed it, or a
    compiler of the project's county), and only while it waits for the city."""
    return (
        change.state == ChangeState.PENDING
        and can_compile(user)
        and (
            user.pk == change.requested_by_id
            or (
                user.district_id is not None and user.district_id == change.project.school.county_id
            )
        )
    )


@transaction.atomic
def change_request_withdraw(*, change: ChangeRequest, acting_user, note: str = "") -> ChangeRequest:
    """The county withdraws its change request before the city decides it; the request stays,
    with who withdrew it, when, and why."""
    change = _pending_change(change, acting_user)
    if not may_withdraw(acting_user, change):
        raise PermissionDenied(_("Only the county that asked for the change may withdraw it."))
    change.state = ChangeState.WITHDRAWN
    change.decided_by = acting_user
    change.decided_at = timezone.now()
    change.decision_note = note.strip()
    return validated_save(change, acting_user=acting_user)


def _apply(change: ChangeRequest, acting_user) -> None:
    """Apply an approved change to the project and to every approved plan item carrying it.

    One baseline, many copies: the project of the register (with its funding plan and its
    equipment lines) holds the baseline, and each item of a province-approved plan that
    carries the project (the five-year plan's, each annual plan's) is a copy of it, the
    approval having refused any item that differs (plans.baseline). So the change is made to
    the project and to all those copies in one transaction: no approved plan keeps the old
    years, amounts or scope (their history does), except that an annual plan of another year
    keeps the project under its own year (it is what that year's plan held). A plan still
    being compiled that carries the project is flagged until the county enters the new
    figures.
    """
    # The county before the project (see funding.services.lock_counties): its plan totals are
    # summed again as the project is saved.
    lock_county_of_project(change.project_id)
    project = Project.objects.select_for_update(of=("self",)).get(pk=change.project_id)
    current = current_values(project, change.item, change.kind)
    # A request made before a value joined its kind (the name joined the scope) lacks it.
    if {name: current[name] for name in change.old_values} != change.old_values:
        raise ValidationError(
            _("The project changed after this request was made; ask the county for a new one.")
        )
    new = change.new_values
    _check_new_values(project, change.kind, new)
    items = list(
        selectors.approved_items()
        .filter(project=project)
        .select_related("plan")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    if change.kind == ChangeKind.VALUE:
        values = {name: Decimal(value) for name, value in new.items()}
    elif change.kind == ChangeKind.DURATION:
        values = {"plan_year": int(new["plan_year"]), "end_year": int(new["end_year"])}
    else:
        area = new["planned_area"]
        values = {
            "name": new.get("name", project.name),
            "planned_area": Decimal(area) if area else None,
            "content": new["content"],
        }
    for name, value in values.items():
        if name != "end_year" and name not in SOURCE_FIELDS.values():
            setattr(project, name, value)
    lines, removed = (), ()
    lines_changed = change.kind == ChangeKind.SCOPE and new["lines"] != change.old_values["lines"]
    if lines_changed:
        lines = _equipment_lines(new["lines"])
        removed = list(project.equipment_lines.all())
    reason = _history_reason(_("Change request approved: %(reason)s") % {"reason": change.reason})
    project._change_reason = reason
    project_save(
        project=project,
        acting_user=acting_user,
        lines=lines,
        removed_lines=removed,
        baseline_change=True,
    )
    if change.kind == ChangeKind.VALUE:
        funding_plan_save(
            project=project,
            amounts={source: values[field] for source, field in SOURCE_FIELDS.items()},
            acting_user=acting_user,
            baseline_change=True,
        )
    for item in items:
        item_values = values
        # An annual plan holds the projects of its year: a copy in another year's plan keeps
        # that year, as approved, and takes the new end year where it can.
        if (
            change.kind == ChangeKind.DURATION
            and item.plan.kind == PlanKind.ANNUAL
            and item.plan.first_year != values["plan_year"]
        ):
            if values["end_year"] < item.plan_year:
                continue
            item_values = {"end_year": values["end_year"]}
        for name, value in item_values.items():
            setattr(item, name, value)
        item._change_reason = reason
        validated_save(item, acting_user=acting_user)
        if lines_changed:
            _replace_item_lines(item, lines, acting_user=acting_user)


def _replace_item_lines(item: PlanItem, lines, *, acting_user) -> None:
    for line in item.lines.all():
        recorded_delete(line, acting_user=acting_user)
    for line in lines:
        validated_save(
            PlanItemLine(
                item=item,
                category=line.category,
                name=line.item,
                unit=line.unit,
                quantity=line.quantity,
                amount=line.amount,
            ),
            acting_user=acting_user,
        )
