"""Writes of supervision: visits with their checklist and photos, findings and their
rectification. Every state change of a finding is a FindingEvent (who, when, from, to, words)."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from gaibo.services import validated_save
from inspections.choices import (
    TRANSITIONS,
    CheckArea,
    CheckOutcome,
    FindingAction,
    FindingStatus,
)
from inspections.models import (
    ChecklistItem,
    CheckResult,
    EvidencePhoto,
    Finding,
    FindingEvent,
    TeamMember,
    Visit,
    VisitPhoto,
)
from inspections.photos import ProcessedPhoto
from projects.choices import DistrictLevel
from projects.models import District, Project, School

AREA_RANK = {area: rank for rank, area in enumerate(CheckArea.values)}


def _check_can_supervise(acting_user) -> None:
    if not acting_user.can_supervise:
        raise PermissionDenied(_("Your role cannot log supervision visits or findings."))


def _check_visit_visible(*, visit: Visit, acting_user) -> None:
    if not Visit.objects.visible_to(acting_user).filter(pk=visit.pk).exists():
        raise PermissionDenied(_("This visit is outside your district."))


def _names(objects) -> str:
    return "、".join(str(obj) for obj in objects)


@transaction.atomic
def checklist_item_save(*, item: ChecklistItem, acting_user) -> ChecklistItem:
    """Add or change an item of the checklist; visits already logged keep their own copy."""
    _check_can_supervise(acting_user)
    return validated_save(item, acting_user=acting_user)


@transaction.atomic
def visit_save(
    *,
    visit: Visit,
    acting_user,
    counties: Iterable[District] = (),
    schools: Iterable[School] = (),
    projects: Iterable[Project] = (),
    team_members: Iterable[TeamMember] = (),
    removed_members: Iterable[TeamMember] = (),
) -> Visit:
    """Create or update a visit: its counties, schools and projects, and its team.

    The counties of the schools and projects count as visited too. A visit needs a target and
    a team member, all inside the acting user's district. A new visit gets a copy of the
    checklist items in use, which later changes of the checklist leave alone.
    """
    _check_can_supervise(acting_user)
    creating = visit.pk is None
    if not creating:
        _check_visit_visible(visit=visit, acting_user=acting_user)
    schools, projects = list(schools), list(projects)
    team_members, removed_members = list(team_members), list(removed_members)
    targets = {county.pk: county for county in counties}
    for school in schools:
        targets.setdefault(school.county_id, school.county)
    for project in projects:
        targets.setdefault(project.school.county_id, project.school.county)
    if not targets:
        raise ValidationError(
            {"counties": _("Choose at least one county, school or project that was visited.")}
        )
    _check_targets_visible(
        counties=targets.values(), schools=schools, projects=projects, acting_user=acting_user
    )
    if not creating:
        left_out = (
            visit.findings.exclude(responsible_county__in=targets.keys())
            .select_related("responsible_county")
            .distinct()
        )
        if left_out:
            raise ValidationError(
                {
                    "counties": _("Findings are addressed to %(names)s; keep it in the visit.")
                    % {"names": _names({finding.responsible_county for finding in left_out})}
                }
            )
    for member in removed_members:
        if member.visit_id != visit.pk:
            raise ValidationError(_("This team member belongs to another visit."))
    kept = (
        0
        if creating
        else visit.team_members.exclude(pk__in=[m.pk for m in removed_members]).count()
    )
    if kept + sum(1 for member in team_members if member.pk is None) == 0:
        raise ValidationError(_("A visit needs at least one team member."))

    if creating:
        visit.created_by = acting_user
    validated_save(visit, acting_user=acting_user)
    visit.counties.set(targets.values())
    visit.schools.set(schools)
    visit.projects.set(projects)
    for member in removed_members:
        member.delete()
    for member in team_members:
        member.visit = visit
        validated_save(member, acting_user=acting_user)
    if creating:
        _copy_checklist(visit=visit, acting_user=acting_user)
    return visit


def _check_targets_visible(*, counties, schools, projects, acting_user) -> None:
    """Every target inside the acting user's district; the field chosen is named first."""
    for model, objects, field in (
        (School, schools, "schools"),
        (Project, projects, "projects"),
        (District, counties, "counties"),
    ):
        objects = list(objects)
        visible = model.objects.visible_to(acting_user)
        if model is District:
            visible = visible.filter(level=DistrictLevel.COUNTY)
        seen = set(visible.filter(pk__in=[obj.pk for obj in objects]).values_list("pk", flat=True))
        outside = [obj for obj in objects if obj.pk not in seen]
        if outside:
            raise ValidationError(
                {field: _("Outside your district: %(names)s.") % {"names": _names(outside)}}
            )


def _copy_checklist(*, visit: Visit, acting_user) -> None:
    """Copy the checklist items in use into the visit's own results, area by area."""
    items = sorted(
        ChecklistItem.objects.filter(is_active=True),
        key=lambda item: (AREA_RANK.get(item.area, len(AREA_RANK)), item.order, item.pk),
    )
    results = [
        CheckResult(visit=visit, position=position, area=item.area, text=item.text)
        for position, item in enumerate(items, start=1)
    ]
    # The items were validated when the city saved them; the copy only numbers them.
    bulk_create_with_history(results, CheckResult, default_user=acting_user)


@transaction.atomic
def check_results_save(
    *, visit: Visit, results: Iterable[CheckResult], acting_user, rest_passed: bool = False
) -> None:
    """Record the outcome (passed, problem, not applicable) and note of checklist items.

    With `rest_passed`, the items still unchecked afterwards are recorded as passed: on a site
    the team marks the problems and passes the rest in one tap.
    """
    _check_can_supervise(acting_user)
    _check_visit_visible(visit=visit, acting_user=acting_user)
    for result in results:
        if result.visit_id != visit.pk:
            raise ValidationError(_("This checklist item belongs to another visit."))
        validated_save(result, acting_user=acting_user)
    if rest_passed:
        for result in visit.check_results.filter(outcome=CheckOutcome.UNCHECKED):
            result.outcome = CheckOutcome.PASSED
            validated_save(result, acting_user=acting_user)


@transaction.atomic
def visit_photos_add(
    *,
    visit: Visit,
    photos: Iterable[ProcessedPhoto],
    acting_user,
    finding: Finding | None = None,
    caption: str = "",
) -> list[VisitPhoto]:
    """Add site photos to a visit, perhaps showing one of its findings."""
    _check_can_supervise(acting_user)
    _check_visit_visible(visit=visit, acting_user=acting_user)
    if finding is not None and finding.visit_id != visit.pk:
        raise ValidationError(_("This finding belongs to another visit."))
    saved = []
    for photo in photos:
        saved.append(
            validated_save(
                VisitPhoto(
                    visit=visit,
                    finding=finding,
                    caption=caption,
                    uploaded_by=acting_user,
                    **photo.fields(),
                ),
                acting_user=acting_user,
            )
        )
    return saved


@transaction.atomic
def finding_raise(
    *, finding: Finding, acting_user, photos: Iterable[ProcessedPhoto] = ()
) -> Finding:
    """Raise a finding of a visit, open, addressed to one of the visit's counties."""
    _check_can_supervise(acting_user)
    if finding.pk is not None:
        raise ValidationError(_("This finding has already been raised."))
    _check_visit_visible(visit=finding.visit, acting_user=acting_user)
    if (
        not District.objects.visible_to(acting_user)
        .filter(pk=finding.responsible_county_id)
        .exists()
    ):
        raise ValidationError({"responsible_county": _("This county is outside your district.")})
    finding.status = FindingStatus.OPEN
    finding.raised_by = acting_user
    finding.raised_at = timezone.now()
    validated_save(finding, acting_user=acting_user)
    _record(
        finding=finding,
        action=FindingAction.RAISED,
        from_status="",
        to_status=FindingStatus.OPEN,
        acting_user=acting_user,
    )
    visit_photos_add(visit=finding.visit, photos=photos, finding=finding, acting_user=acting_user)
    return finding


@transaction.atomic
def finding_start(*, finding: Finding, acting_user) -> FindingEvent:
    """The responsible county starts rectifying: open → in progress."""
    _check_can_rectify(finding=finding, acting_user=acting_user)
    return _move(finding=finding, action=FindingAction.STARTED, acting_user=acting_user)


@transaction.atomic
def finding_submit(
    *,
    finding: Finding,
    evidence: str,
    acting_user,
    photos: Iterable[ProcessedPhoto] = (),
) -> FindingEvent:
    """The responsible county submits its evidence (text and photos): → submitted.

    A finding still open is started first, so that its record shows both steps.
    """
    _check_can_rectify(finding=finding, acting_user=acting_user)
    evidence = evidence.strip()
    if not evidence:
        raise ValidationError(_("Describe what was done to rectify the problem."))
    if finding.status == FindingStatus.OPEN:
        _move(finding=finding, action=FindingAction.STARTED, acting_user=acting_user)
    event = _move(
        finding=finding, action=FindingAction.SUBMITTED, acting_user=acting_user, comment=evidence
    )
    for photo in photos:
        validated_save(
            EvidencePhoto(event=event, uploaded_by=acting_user, **photo.fields()),
            acting_user=acting_user,
        )
    return event


@transaction.atomic
def finding_verify(*, finding: Finding, acting_user, comment: str = "") -> FindingEvent:
    """The team accepts the rectification: submitted → verified."""
    _check_can_review(finding=finding, acting_user=acting_user)
    return _move(
        finding=finding, action=FindingAction.VERIFIED, acting_user=acting_user, comment=comment
    )


@transaction.atomic
def finding_reject(*, finding: Finding, reason: str, acting_user) -> FindingEvent:
    """The team does not accept the rectification, with a reason: back to in progress."""
    _check_can_review(finding=finding, acting_user=acting_user)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason the rectification is not accepted."))
    return _move(
        finding=finding, action=FindingAction.REJECTED, acting_user=acting_user, comment=reason
    )


@transaction.atomic
def finding_close(*, finding: Finding, acting_user, comment: str = "") -> FindingEvent:
    """The team closes a verified finding (销号): verified → closed."""
    _check_can_review(finding=finding, acting_user=acting_user)
    return _move(
        finding=finding, action=FindingAction.CLOSED, acting_user=acting_user, comment=comment
    )


def _check_can_rectify(*, finding: Finding, acting_user) -> None:
    if not Finding.objects.visible_to(acting_user).filter(pk=finding.pk).exists():
        raise PermissionDenied(_("This finding is outside your district."))
    if not acting_user.can_answer(finding):
        raise PermissionDenied(
            _("Only the education bureau of the responsible county answers this finding.")
        )


def _check_can_review(*, finding: Finding, acting_user) -> None:
    _check_can_supervise(acting_user)
    if not Finding.objects.visible_to(acting_user).filter(pk=finding.pk).exists():
        raise PermissionDenied(_("This finding is outside your district."))


def _move(*, finding: Finding, action: str, acting_user, comment: str = "") -> FindingEvent:
    """Move a finding along one transition of its rectification and record it."""
    sources, target = TRANSITIONS[action]
    current = Finding.objects.select_for_update().get(pk=finding.pk)
    if current.status not in sources:
        raise ValidationError(
            _("This finding is “%(status)s”: “%(action)s” is not possible now.")
            % {
                "status": current.get_status_display(),
                "action": FindingAction(action).label,
            }
        )
    from_status = current.status
    current.status = target
    validated_save(current, acting_user=acting_user)
    finding.status = target
    return _record(
        finding=current,
        action=action,
        from_status=from_status,
        to_status=target,
        acting_user=acting_user,
        comment=comment,
    )


def _record(
    *, finding: Finding, action: str, from_status: str, to_status: str, acting_user, comment=""
) -> FindingEvent:
    event = FindingEvent(
        finding=finding,
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=comment.strip(),
        actor=acting_user,
        at=timezone.now(),
    )
    return validated_save(event, acting_user=acting_user)
