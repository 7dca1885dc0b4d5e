"""The demo's monthly reports: three months of 2017 replayed through the services."""

from io import StringIO

import pytest
from django.core.management import call_command

from reports.choices import ReportAction, ReportState
from reports.models import Report, ReportEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo(loaded_demo):
    return loaded_demo


def test_three_months_of_two_counties_at_every_step(demo):
    assert "6 monthly reports" in demo
    states = {
        (report.county.name, report.month): (report.state, report.is_late)
        for report in Report.objects.select_related("county")
    }
    assert states == {
        ("盖州市", 9): (ReportState.APPROVED, False),
        ("大石桥市", 9): (ReportState.APPROVED, False),
        ("盖州市", 10): (ReportState.APPROVED, False),
        ("大石桥市", 10): (ReportState.APPROVED, False),
        ("盖州市", 11): (ReportState.CONFIRMED, False),
        ("大石桥市", 11): (ReportState.APPROVED, True),
    }
    returned = ReportEvent.objects.get(action=ReportAction.RETURN)
    assert returned.actor.username == "yingkou" and returned.report.county.name == "大石桥市"


def test_projects_reported_finished_leave_the_next_month():
    september = Report.objects.get(county__code="210881", month=9)
    october = Report.objects.get(county__code="210881", month=10)
    finished = set(september.lines.filter(progress=100).values_list("project_id", flat=True))
    assert finished and not finished & set(october.lines.values_list("project_id", flat=True))
    # Investment to date never goes down from one month to the next.
    for line in october.lines.all():
        before = september.lines.get(project_id=line.project_id)
        assert line.investment_to_date >= before.investment_to_date


def test_loading_again_adds_nothing():
    before = (Report.objects.count(), ReportEvent.objects.count())
    call_command("load_demo", stdout=StringIO())
    assert (Report.objects.count(), ReportEvent.objects.count()) == before
