"""The demo supervision: 16 visits of 营口市's counties (the seed's "已达15次以上"), findings at
every step of their rectification, and a loader that may run twice."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings

from inspections.choices import CheckOutcome, FindingStatus
from inspections.models import CheckResult, Finding, FindingEvent, Visit

pytestmark = pytest.mark.django_db

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"  # as tests/conftest.py has it


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    with (
        override_settings(PASSWORD_HASHERS=[FAST_HASHER]),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        output = StringIO()
        call_command("load_demo", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


def test_the_demo_has_more_than_fifteen_visits_of_both_kinds(demo):
    assert "16 supervision visits" in demo and "8 findings" in demo
    kinds = dict(Visit.objects.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    assert kinds == {"on_site": 10, "written": 6}
    assert not Visit.objects.filter(counties__isnull=True).exists()
    assert not CheckResult.objects.filter(outcome=CheckOutcome.UNCHECKED).exists()


def test_findings_stand_at_every_step_with_their_record():
    statuses = dict(
        Finding.objects.values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    assert statuses == {
        FindingStatus.CLOSED: 4,
        FindingStatus.VERIFIED: 1,
        FindingStatus.SUBMITTED: 1,
        FindingStatus.IN_PROGRESS: 1,
        FindingStatus.OPEN: 1,
    }
    for finding in Finding.objects.all():
        events = list(finding.events.values_list("to_status", flat=True))
        assert events[0] == FindingStatus.OPEN and events[-1] == finding.status
        assert finding.check_result.outcome == CheckOutcome.PROBLEM


def test_loading_again_adds_nothing():
    before = (Visit.objects.count(), Finding.objects.count(), FindingEvent.objects.count())
    output = StringIO()
    call_command("load_demo", stdout=output)
    assert (Visit.objects.count(), Finding.objects.count(), FindingEvent.objects.count()) == before
