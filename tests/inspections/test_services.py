"""The supervision services: visits and their checklist, findings and every step of their
rectification, refused where the rules say so, with nothing saved."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from inspections import selectors, services
from inspections.choices import CheckOutcome, FindingAction, FindingStatus, TeamUnit
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
from tests.inspections.factories import (
    VISIT_DAY,
    ChecklistItemFactory,
    make_finding,
    make_visit,
    processed,
)

pytestmark = pytest.mark.django_db


def test_a_visit_covers_the_counties_of_its_schools_and_projects(tree, users, visit):
    assert set(visit.counties.all()) == {tree.gaizhou, tree.dashiqiao}
    assert list(visit.schools.all()) == [tree.schools["210881"]]
    assert list(visit.projects.all()) == [tree.projects["210882"]]
    assert visit.created_by == users.inspector
    assert [m.name for m in visit.team_members.all()] == ["王督学", "李会计"]


def test_a_visit_copies_the_checklist_area_by_area(visit, items):
    results = list(selectors.check_results_of(visit=visit))
    assert [r.area for r in results] == [
        "approval",
        "construction",
        "acceptance",
        "funds",
        "archives",
    ]
    assert all(r.outcome == CheckOutcome.UNCHECKED for r in results)


def test_changing_the_checklist_leaves_earlier_visits_as_they_were(tree, users, visit, items):
    before = list(visit.check_results.values_list("text", flat=True))
    approval = ChecklistItem.objects.get(area="approval")
    approval.text = "新的审批事项"
    services.checklist_item_save(item=approval, acting_user=users.city)
    ChecklistItemFactory(area="funds", text="新增资金事项")
    ChecklistItem.objects.filter(area="archives").update(is_active=False)

    assert list(visit.check_results.values_list("text", flat=True)) == before
    later = make_visit(user=users.inspector, counties=[tree.gaizhou])
    texts = list(later.check_results.values_list("text", flat=True))
    assert "新的审批事项" in texts and "新增资金事项" in texts
    assert "项目档案齐全规范" not in texts
    assert len(texts) == 5


def test_a_visit_with_no_target_is_refused_and_nothing_is_saved(users, items):
    with pytest.raises(ValidationError) as error:
        make_visit(user=users.inspector)
    assert "counties" in error.value.message_dict
    assert not Visit.objects.exists()
    assert not CheckResult.objects.exists()
    assert not TeamMember.objects.exists()


def test_a_visit_needs_a_team_member(tree, users, items):
    with pytest.raises(ValidationError):
        services.visit_save(
            visit=Visit(kind="written", visited_on=VISIT_DAY),
            counties=[tree.gaizhou],
            acting_user=users.inspector,
        )
    assert not Visit.objects.exists()


def test_targets_outside_the_district_are_refused(tree, users, items):
    with pytest.raises(ValidationError) as error:
        make_visit(user=users.inspector, schools=[tree.schools["210381"]])
    assert "schools" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_visit(user=users.inspector, counties=[tree.haicheng])
    assert "counties" in error.value.message_dict
    assert not Visit.objects.exists()


@pytest.mark.parametrize("role", ["gaizhou", "gaizhou_finance", "province"])
def test_only_inspectors_the_city_and_administrators_log_visits(tree, users, items, role):
    with pytest.raises(PermissionDenied):
        make_visit(user=getattr(users, role), counties=[tree.gaizhou])
    assert not Visit.objects.exists()


def test_the_city_and_the_administrator_may_log_visits(tree, users, items):
    make_visit(user=users.city, counties=[tree.gaizhou])
    make_visit(user=users.admin, counties=[tree.haicheng])
    assert Visit.objects.count() == 2


def test_an_edit_keeps_the_counties_findings_are_addressed_to(tree, users, visit, findings):
    with pytest.raises(ValidationError) as error:
        services.visit_save(visit=visit, counties=[tree.gaizhou], acting_user=users.inspector)
    assert "大石桥市" in error.value.message_dict["counties"][0]
    assert visit.counties.count() == 2


def test_an_edit_replaces_the_targets_and_the_team(tree, users, visit):
    leader = visit.team_members.get(is_leader=True)
    services.visit_save(
        visit=visit,
        counties=[tree.gaizhou],
        removed_members=[leader],
        team_members=[TeamMember(name="赵科长", unit=TeamUnit.EDUCATION)],
        acting_user=users.inspector,
    )
    assert list(visit.counties.all()) == [tree.gaizhou]
    assert not visit.schools.exists()
    assert sorted(visit.team_members.values_list("name", flat=True)) == ["李会计", "赵科长"]


def test_check_results_record_outcomes_and_a_problem_needs_a_note(users, visit):
    first, second = visit.check_results.all()[:2]
    first.outcome = CheckOutcome.PASSED
    second.outcome = CheckOutcome.PROBLEM
    second.note = "安全网缺失"
    services.check_results_save(visit=visit, results=[first, second], acting_user=users.inspector)
    assert visit.check_results.filter(outcome=CheckOutcome.PROBLEM).get().note == "安全网缺失"
    history = selectors.visit_history(visit=visit, user=users.inspector)
    outcomes = [change.new for entry in history for change in entry.changes]
    assert "存在问题" in outcomes or "Problem" in outcomes

    second.note = ""
    with pytest.raises(ValidationError):
        services.check_results_save(visit=visit, results=[second], acting_user=users.inspector)
    assert visit.check_results.get(pk=second.pk).note == "安全网缺失"


def test_a_finding_is_raised_open_and_recorded(tree, users, visit, findings):
    finding = findings.gaizhou
    assert finding.status == FindingStatus.OPEN
    assert finding.raised_by == users.inspector
    event = finding.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        FindingAction.RAISED,
        "",
        FindingStatus.OPEN,
        users.inspector,
    )


def test_a_deadline_before_the_visit_is_refused_and_nothing_is_saved(tree, users, visit):
    with pytest.raises(ValidationError) as error:
        make_finding(
            visit=visit,
            county=tree.gaizhou,
            user=users.inspector,
            deadline=VISIT_DAY - timedelta(days=1),
        )
    assert "deadline" in error.value.message_dict
    assert not Finding.objects.exists() and not FindingEvent.objects.exists()


def test_a_finding_is_addressed_to_a_county_of_its_visit(tree, users, items):
    visit = make_visit(user=users.inspector, counties=[tree.gaizhou])
    with pytest.raises(ValidationError) as error:
        make_finding(visit=visit, county=tree.dashiqiao, user=users.inspector)
    assert "responsible_county" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_finding(
            visit=visit,
            county=tree.gaizhou,
            user=users.inspector,
            school=tree.schools["210882"],
        )
    assert "school" in error.value.message_dict
    assert not Finding.objects.exists()


def test_a_county_cannot_raise_findings(tree, users, visit):
    with pytest.raises(PermissionDenied):
        make_finding(visit=visit, county=tree.gaizhou, user=users.gaizhou)


def test_a_finding_with_photos_keeps_them_on_the_visit(tree, users, visit):
    finding = make_finding(
        visit=visit, county=tree.gaizhou, user=users.inspector, photos=[processed(), processed()]
    )
    assert finding.photos.count() == 2
    assert VisitPhoto.objects.filter(visit=visit).count() == 2


def test_the_whole_rectification_is_recorded_step_by_step(tree, users, findings):
    finding = findings.gaizhou
    services.finding_start(finding=finding, acting_user=users.gaizhou)
    services.finding_submit(
        finding=finding,
        evidence="已加装安全防护网",
        photos=[processed()],
        acting_user=users.gaizhou,
    )
    services.finding_reject(finding=finding, reason="照片看不清", acting_user=users.inspector)
    services.finding_submit(finding=finding, evidence="已重新拍照", acting_user=users.gaizhou)
    services.finding_verify(finding=finding, acting_user=users.inspector, comment="整改到位")
    services.finding_close(finding=finding, acting_user=users.city)

    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED
    steps = [
        (e.action, e.from_status, e.to_status, e.actor.username, e.comment)
        for e in selectors.finding_events_of(finding=finding)
    ]
    assert steps == [
        ("raised", "", "open", "inspector", ""),
        ("started", "open", "in_progress", "gaizhou", ""),
        ("submitted", "in_progress", "submitted", "gaizhou", "已加装安全防护网"),
        ("rejected", "submitted", "in_progress", "inspector", "照片看不清"),
        ("submitted", "in_progress", "submitted", "gaizhou", "已重新拍照"),
        ("verified", "submitted", "verified", "inspector", "整改到位"),
        ("closed", "verified", "closed", "yingkou", ""),
    ]
    assert EvidencePhoto.objects.filter(event__finding=finding).count() == 1


def test_submitting_an_open_finding_starts_it_first(users, findings):
    services.finding_submit(finding=findings.gaizhou, evidence="已整改", acting_user=users.gaizhou)
    actions = list(findings.gaizhou.events.values_list("action", flat=True))
    assert actions == ["raised", "started", "submitted"]


@pytest.mark.parametrize("who", ["dashiqiao", "city", "inspector", "gaizhou_finance"])
def test_evidence_from_outside_the_responsible_county_is_refused(users, findings, who):
    with pytest.raises(PermissionDenied):
        services.finding_submit(
            finding=findings.gaizhou,
            evidence="代为整改",
            photos=[processed()],
            acting_user=getattr(users, who),
        )
    findings.gaizhou.refresh_from_db()
    assert findings.gaizhou.status == FindingStatus.OPEN
    assert findings.gaizhou.events.count() == 1
    assert not EvidencePhoto.objects.exists()


def test_evidence_needs_words(users, findings):
    with pytest.raises(ValidationError):
        services.finding_submit(finding=findings.gaizhou, evidence="  ", acting_user=users.gaizhou)
    assert findings.gaizhou.events.count() == 1


def test_steps_out_of_order_are_refused(users, findings):
    finding = findings.gaizhou
    with pytest.raises(ValidationError):
        services.finding_verify(finding=finding, acting_user=users.inspector)
    with pytest.raises(ValidationError):
        services.finding_close(finding=finding, acting_user=users.inspector)
    services.finding_submit(finding=finding, evidence="已整改", acting_user=users.gaizhou)
    with pytest.raises(ValidationError):
        services.finding_reject(finding=finding, reason=" ", acting_user=users.inspector)
    with pytest.raises(ValidationError):
        services.finding_start(finding=finding, acting_user=users.gaizhou)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.SUBMITTED


def test_a_county_cannot_verify_its_own_rectification(users, findings):
    services.finding_submit(finding=findings.gaizhou, evidence="已整改", acting_user=users.gaizhou)
    with pytest.raises(PermissionDenied):
        services.finding_verify(finding=findings.gaizhou, acting_user=users.gaizhou)


def test_overdue_is_computed_not_stored(tree, users, visit, findings, monkeypatch):
    late = VISIT_DAY + timedelta(days=31)
    monkeypatch.setattr(selectors, "today", lambda: late)
    services.finding_submit(
        finding=findings.dashiqiao, evidence="已整改", acting_user=users.dashiqiao
    )
    services.finding_verify(finding=findings.dashiqiao, acting_user=users.inspector)
    overdue = dict(selectors.findings_visible_to(user=users.city).values_list("pk", "is_overdue"))
    assert overdue == {findings.gaizhou.pk: True, findings.dashiqiao.pk: False}
    monkeypatch.setattr(selectors, "today", lambda: date(2024, 6, 1))
    assert not selectors.findings_visible_to(user=users.city).filter(is_overdue=True).exists()


def test_the_rest_of_the_checklist_is_passed_in_one_step(users, visit):
    problem = visit.check_results.get(area="funds")
    problem.outcome, problem.note = CheckOutcome.PROBLEM, "资金拨付滞后"
    services.check_results_save(
        visit=visit, results=[problem], rest_passed=True, acting_user=users.inspector
    )
    outcomes = dict(visit.check_results.values_list("area", "outcome"))
    assert outcomes == {
        "approval": "passed",
        "construction": "passed",
        "acceptance": "passed",
        "funds": "problem",
        "archives": "passed",
    }


def test_the_default_checklist_covers_the_five_areas():
    # Installed by the migration for a new installation; the city changes it in the admin.
    areas = set(ChecklistItem.objects.filter(is_active=True).values_list("area", flat=True))
    assert areas == {"approval", "construction", "acceptance", "funds", "archives"}
