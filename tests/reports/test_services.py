"""The monthly report's rules, sign-off, locking and deadlines."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from funding import services as funding_services
from funding.choices import FundLevel
from funding.models import Allocation, Arrival, Payment
from reports import selectors, services
from reports.choices import ReportAction, ReportState
from reports.models import DeadlineException, HalfMonthlySchedule, Report
from tests.reports.conftest import fill, line_of

pytestmark = pytest.mark.django_db

STARTED = {"started_on": datetime.date(2024, 5, 6), "started_area": Decimal("1200")}


def messages_of(error: ValidationError) -> dict:
    return {
        field: [str(m) for m in ValidationError(msgs).messages]
        for field, msgs in error.error_dict.items()
    }


def test_a_report_lists_the_countys_active_projects_and_starts_from_last_month(
    may, county, users, tree
):
    assert {line.project for line in may.lines.all()} == {county.building, county.equipment}
    fill(
        may,
        county.building,
        users.gaizhou,
        **STARTED,
        investment_month=Decimal("800000"),
        progress=30,
    )
    june = services.report_open(
        county=tree.gaizhou, year=2024, month=6, half=0, acting_user=users.gaizhou
    )
    line = line_of(june, county.building)
    assert line.started_area == Decimal("1200") and line.progress == 30
    assert line.investment_month == 0 and line.investment_to_date == Decimal("800000")
    assert line.started_on == datetime.date(2024, 5, 6)  # from the project, where May wrote it


def test_saving_a_line_writes_the_dates_to_the_project_and_its_status_follows(may, county, users):
    line = fill(may, county.building, users.gaizhou, **STARTED, progress=10)
    county.building.refresh_from_db()
    assert county.building.started_on == datetime.date(2024, 5, 6)
    assert county.building.status == line.status == "started"
    assert county.building.history.first().history_user == users.gaizhou


@pytest.mark.parametrize(
    ("figures", "field", "message"),
    [
        (
            {"started_area": Decimal("1300")},
            "started_area",
            "开工面积超过规划面积 1200.00 m² 的 5% 以上。",
        ),
        (
            {**STARTED, "completed_area": Decimal("1250")},
            "completed_area",
            "竣工面积不能大于开工面积。",
        ),
        ({"started_area": Decimal("100")}, "started_on", "已有开工面积的项目应填写开工日期。"),
        ({**STARTED, "progress": 100}, "completed_on", "形象进度为100%的项目应填写竣工日期。"),
        (
            {
                **STARTED,
                "completed_on": datetime.date(2024, 5, 20),
                "completed_area": Decimal("1200"),
                "progress": 90,
            },
            "progress",
            "已填写竣工日期的项目形象进度应为100%。",
        ),
        (
            {**STARTED, "started_on": datetime.date(2024, 6, 2)},
            "started_on",
            "该日期晚于本期截止日（2024-05-31）。",
        ),
        (
            {"completed_on": datetime.date(2024, 5, 20), "progress": 100},
            "started_on",
            "填写竣工日期须先有开工日期。",
        ),
    ],
)
def test_errors_are_refused_naming_the_rule(may, county, users, figures, field, message):
    with pytest.raises(ValidationError) as refused:
        fill(may, county.building, users.gaizhou, **figures)
    assert message in messages_of(refused.value)[field]
    assert line_of(may, county.building).version == 1  # nothing saved


def test_a_small_overshoot_or_a_lower_figure_needs_a_remark(may, county, users, tree):
    figures = {**STARTED, "started_area": Decimal("1250")}  # 4% above the plan
    with pytest.raises(ValidationError) as refused:
        fill(may, county.building, users.gaizhou, **figures)
    assert "如确属实，请在备注中说明。" in messages_of(refused.value)["started_area"][0]
    fill(may, county.building, users.gaizhou, **figures, remark="增加连廊50平方米", progress=40)

    june = services.report_open(
        county=tree.gaizhou, year=2024, month=6, half=0, acting_user=users.gaizhou
    )
    with pytest.raises(ValidationError) as refused:
        fill(june, county.building, users.gaizhou, progress=35)
    assert "形象进度低于上期的 40%。" in messages_of(refused.value)["progress"][0]
    fill(june, county.building, users.gaizhou, progress=35, remark="上月多报，已核减")


def test_equipment_has_no_areas(may, county, users):
    with pytest.raises(ValidationError) as refused:
        fill(may, county.equipment, users.gaizhou, started_area=Decimal("10"))
    assert "只有校舍建设项目填报面积。" in messages_of(refused.value)["started_area"]


def test_the_projects_own_rules_refuse_a_date_it_cannot_take(may, county, users):
    county.building.contracted_on = None
    county.building.status = county.building.status_from_dates()
    county.building.save()
    with pytest.raises(ValidationError) as refused:
        fill(may, county.building, users.gaizhou, **STARTED)
    assert "started_on" in refused.value.error_dict or "__all__" in refused.value.error_dict
    county.building.refresh_from_db()
    assert county.building.started_on is None


def test_two_people_editing_one_line_are_told(may, county, users, tree):
    from tests.factories import UserFactory

    colleague = UserFactory(username="gaizhou2", role="county_education", district=tree.gaizhou)
    line = line_of(may, county.building)
    loaded = line.version
    fill(may, county.building, colleague, progress=20)
    line.progress = 25
    with pytest.raises(ValidationError) as refused:
        services.report_line_save(line=line, acting_user=users.gaizhou, expected_version=loaded)
    assert "gaizhou2" in refused.value.messages[0]
    assert line_of(may, county.building).progress == 20


def funds(county, users, tree):
    """100 万元 arrived in May for the building, 60 paid."""
    county.building.contractor = "盖州建工"
    county.building.save()
    tranche = funding_services.allocation_save(
        allocation=Allocation(
            source=FundLevel.PROVINCIAL,
            document_number="营财〔2024〕1号",
            issued_on=datetime.date(2024, 4, 1),
            year=2024,
            recipient=tree.gaizhou,
            amount=Decimal("2000000"),
        ),
        acting_user=users.city,
    )
    funding_services.arrival_save(
        arrival=Arrival(
            allocation=tranche,
            project=county.building,
            amount=Decimal("1000000"),
            arrived_on=datetime.date(2024, 5, 8),
        ),
        acting_user=users.gaizhou_finance,
    )
    funding_services.payment_save(
        payment=Payment(
            project=county.building,
            source=FundLevel.PROVINCIAL,
            payee="盖州建工",
            amount=Decimal("600000"),
            paid_on=datetime.date(2024, 5, 20),
            voucher_number="V1",
            approved_by="张",
            approved_on=datetime.date(2024, 5, 19),
        ),
        acting_user=users.gaizhou_finance,
    )


def test_joint_sign_off_return_approve_and_lock(may, county, users, tree):
    funds(county, users, tree)
    fill(
        may,
        county.building,
        users.gaizhou,
        **STARTED,
        progress=30,
        investment_month=Decimal("700000"),
    )

    with pytest.raises(PermissionDenied):
        services.report_submit(report=may, acting_user=users.gaizhou_finance)
    services.report_submit(report=may, acting_user=users.gaizhou)
    with pytest.raises(ValidationError):  # the city sees it only after finance confirms
        services.report_approve(report=may, acting_user=users.city)
    with pytest.raises(ValidationError):  # submitted: locked for the county
        fill(may, county.building, users.gaizhou, progress=35)

    services.report_confirm(report=may, acting_user=users.gaizhou_finance)
    line = line_of(may, county.building)
    assert (line.arrived_to_date, line.paid_to_date) == (Decimal("1000000"), Decimal("600000"))
    assert line.arrived_month == Decimal("1000000")

    with pytest.raises(ValidationError):
        services.report_return(report=may, acting_user=users.city, reason="  ")
    services.report_return(report=may, acting_user=users.city, reason="开工面积与监理日志不符")
    fill(may, county.building, users.gaizhou, started_area=Decimal("1100"), progress=30)
    services.report_submit(report=may, acting_user=users.gaizhou)
    services.report_confirm(report=may, acting_user=users.gaizhou_finance)
    services.report_approve(report=may, acting_user=users.city)

    may.refresh_from_db()
    assert may.state == ReportState.APPROVED and not services.entry_is_open(may)
    with pytest.raises(ValidationError):
        fill(may, county.building, users.gaizhou, progress=50)
    steps = [(e.action, e.actor.username, e.reason) for e in selectors.report_events(may)]
    assert steps == [
        (ReportAction.SUBMIT, "gaizhou", ""),
        (ReportAction.CONFIRM, "gaizhou_finance", ""),
        (ReportAction.RETURN, "yingkou", "开工面积与监理日志不符"),
        (ReportAction.SUBMIT, "gaizhou", ""),
        (ReportAction.CONFIRM, "gaizhou_finance", ""),
        (ReportAction.APPROVE, "yingkou", ""),
    ]
    assert may.history.first().history_user == users.city

    services.report_reopen(report=may, acting_user=users.city, reason="补报竣工资料")
    may.refresh_from_db()
    assert may.state == ReportState.RETURNED
    fill(may, county.building, users.gaizhou, progress=50)


def test_submission_refuses_lines_that_break_a_rule(may, county, users, settings):
    line = line_of(may, county.building)
    line.progress = 100  # saved behind the service's back: no completion date
    line.save()
    with pytest.raises(ValidationError) as refused:
        services.report_submit(report=may, acting_user=users.gaizhou)
    assert "形象进度为100%的项目应填写竣工日期。" in refused.value.messages[0]


def test_deadline_closes_entry_unless_the_city_grants_an_exception(may, county, users, tree, clock):
    clock.set(datetime.date(2024, 6, 6))  # due 2024-06-05
    assert not services.entry_is_open(may)
    with pytest.raises(ValidationError):
        fill(may, county.building, users.gaizhou, progress=10)
    with pytest.raises(ValidationError):
        services.report_open(
            county=tree.gaizhou, year=2024, month=4, half=0, acting_user=users.gaizhou
        )
    with pytest.raises(PermissionDenied):
        services.deadline_exception_grant(
            exception=DeadlineException(
                county=tree.gaizhou,
                year=2024,
                month=5,
                until=datetime.date(2024, 6, 10),
                reason="系统故障",
            ),
            acting_user=users.gaizhou,
        )
    services.deadline_exception_grant(
        exception=DeadlineException(
            county=tree.gaizhou,
            year=2024,
            month=5,
            until=datetime.date(2024, 6, 10),
            reason="系统故障",
        ),
        acting_user=users.city,
    )
    fill(may, county.building, users.gaizhou, progress=10)
    services.report_submit(report=may, acting_user=users.gaizhou)
    may.refresh_from_db()
    assert may.is_late


def test_on_time_submission_is_not_late(may, users):
    services.report_submit(report=may, acting_user=users.gaizhou)
    may.refresh_from_db()
    assert may.first_submitted_at is not None and not may.is_late


def test_half_monthly_table_needs_the_city_and_lists_unfinished_projects(
    county, users, tree, clock
):
    clock.set(datetime.date(2024, 6, 10))
    with pytest.raises(ValidationError):
        services.report_open(
            county=tree.gaizhou, year=2024, month=6, half=1, acting_user=users.gaizhou
        )
    services.half_monthly_switch_on(city=tree.city, year=2024, month=6, acting_user=users.city)
    assert HalfMonthlySchedule.objects.count() == 1
    county.equipment.contracted_on = datetime.date(2024, 3, 1)
    county.equipment.delivered_on = datetime.date(2024, 5, 1)
    county.equipment.status = county.equipment.status_from_dates()
    county.equipment.save()
    first_half = services.report_open(
        county=tree.gaizhou, year=2024, month=6, half=1, acting_user=users.gaizhou
    )
    assert [line.project for line in first_half.lines.all()] == [county.building]
    assert first_half.due_date == datetime.date(2024, 6, 17)


def test_a_project_reported_finished_and_approved_leaves_the_next_report(may, county, users, tree):
    fill(
        may,
        county.equipment,
        users.gaizhou,
        started_on=datetime.date(2024, 3, 1),
        completed_on=datetime.date(2024, 5, 10),
        progress=100,
    )
    for step in (services.report_submit, services.report_confirm, services.report_approve):
        user = {
            services.report_submit: users.gaizhou,
            services.report_confirm: users.gaizhou_finance,
        }.get(step, users.city)
        step(report=may, acting_user=user)
    june = services.report_open(
        county=tree.gaizhou, year=2024, month=6, half=0, acting_user=users.gaizhou
    )
    assert [line.project for line in june.lines.all()] == [county.building]


def test_reports_outside_ones_district_are_refused(may, users, tree):
    with pytest.raises(PermissionDenied):
        services.report_submit(report=may, acting_user=users.dashiqiao)
    with pytest.raises(PermissionDenied):
        services.report_open(
            county=tree.gaizhou, year=2024, month=5, half=0, acting_user=users.dashiqiao
        )
    assert Report.objects.visible_to(users.dashiqiao).count() == 0


def test_tracker_counts_expected_submitted_and_on_time(may, users, tree, clock):
    services.report_submit(report=may, acting_user=users.gaizhou)
    tracker = selectors.tracker(user=users.city, year=2024, month=5)
    assert tracker.expected == 2 and tracker.submitted == 1 and tracker.on_time == 1
    assert tracker.submission_rate == Decimal("50.0")
    assert tracker.missing == [tree.dashiqiao]
    states = {row.county.name: row.state_label for row in tracker.rows}
    assert states == {"盖州市": "已上报，待财政确认", "大石桥市": "未开始"}


def test_a_report_of_an_earlier_period_keeps_the_projects_later_dates(
    may, county, users, tree, clock
):
    clock.set(datetime.date(2024, 5, 2))  # April's report is still open
    county.building.started_on = datetime.date(2024, 6, 1)  # after May
    county.building.status = county.building.status_from_dates()
    county.building.save()
    april = services.report_open(
        county=tree.gaizhou, year=2024, month=4, half=0, acting_user=users.gaizhou
    )
    line = line_of(april, county.building)
    assert line.started_on is None and line.status == "contracted"
    fill(april, county.building, users.gaizhou, progress=5, remark="完成场地平整")
    county.building.refresh_from_db()
    assert county.building.started_on == datetime.date(2024, 6, 1)
