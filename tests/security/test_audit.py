"""Audit: every change to money, progress and a report's state leaves a history record —
who, when, what — including changes made through imports and the admin's bulk actions."""

import datetime
from contextlib import ExitStack

import pytest
from django.urls import reverse
from django.utils import translation

from funding import services as funding
from funding.imports import TRANCHES
from funding.models import Allocation, Arrival, Payment
from projects.models import Project
from reports.models import Report, ReportEvent, ReportLine
from tests.funding.test_imports import PAYMENT_HEADERS
from tests.reports.test_views import entry_data
from tests.security.world import OWN, build_world, marker
from tests.spreadsheets import read_xlsx, xlsx_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with ExitStack() as stack:
        yield build_world(stack)


def records(model, **filters):
    return model.history.filter(**filters)


def login(client, world, role):
    client.force_login(world.users[role])
    return client


def test_payments_imported_are_each_recorded_with_the_importer(client, world):
    own = world.objects[OWN]
    finance = world.users["county_finance"]
    before = records(Payment).count()
    row = [own.project.code, "省级", f"{marker(OWN)}建工", 10, datetime.date(2024, 5, 20)]
    rows = [
        [*row, "盖财付〔2024〕201号", "王建国", datetime.date(2024, 5, 18)],
        [*row, "盖财付〔2024〕202号", "王建国", datetime.date(2024, 5, 18)],
    ]
    login(client, world, "county_finance")
    url = reverse("funding:payment_import")
    response = client.post(url, {"file": xlsx_upload(PAYMENT_HEADERS, rows)})
    assert response.context["result"].ok, response.context["result"].errors
    assert records(Payment).count() == before  # the preview records nothing
    client.post(url, {"batch": response.context["batch"].pk})

    new = records(Payment, history_type="+").exclude(
        id__in=[o.payment.pk for o in world.objects.values()]
    )
    assert records(Payment).count() == before + 2
    assert {r.voucher_number for r in new} == {"盖财付〔2024〕201号", "盖财付〔2024〕202号"}
    assert {r.history_user for r in new} == {finance}


def test_a_correction_of_money_is_recorded_with_its_reason_and_old_value(client, world):
    own = world.objects[OWN]
    before = records(Arrival, id=own.arrival.pk).count()
    login(client, world, "county_finance")
    response = client.post(
        reverse("funding:arrival_correct", args=[own.arrival.pk]),
        {
            "allocation": own.tranche.pk,
            "amount": "180",
            "arrived_on": "2024-04-01",
            "reason": "到账金额录入错误",
            "loaded_version": Arrival.objects.get(pk=own.arrival.pk).version,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    history = records(Arrival, id=own.arrival.pk).order_by("history_date")
    assert history.count() == before + 1
    last, previous = history.last(), history[history.count() - 2]
    assert last.history_change_reason == "到账金额录入错误"
    assert last.history_user == world.users["county_finance"]
    assert (previous.amount, last.amount) == (2000000, 1800000)


def test_tranches_imported_and_split_are_recorded(client, world):
    before = records(Allocation).count()
    login(client, world, "city")
    with translation.override("zh-hans"):
        headers = TRANCHES.headers()
    rows = [
        ["市级配套", "营财教〔2024〕9号", datetime.date(2024, 4, 2), 2024, "盖州市", 30, "", ""]
    ]
    url = reverse("funding:allocation_import")
    response = client.post(url, {"file": xlsx_upload(headers, rows)})
    assert response.context["result"].ok, response.context["result"].errors
    client.post(url, {"batch": response.context["batch"].pk})
    [record] = records(Allocation).exclude(id__in=[o.tranche.pk for o in world.objects.values()])
    assert records(Allocation).count() == before + 1
    assert record.history_type == "+" and record.history_user == world.users["city"]


def test_progress_entered_on_the_page_and_by_excel_is_recorded_per_line(client, world):
    own = world.objects[OWN]
    report = own.report
    project = own.project
    project.approved_on = datetime.date(2024, 1, 10)
    project.tendered_on = datetime.date(2024, 2, 10)
    project.contracted_on = datetime.date(2024, 3, 1)
    project.status = project.status_from_dates()
    project.save()
    lines_before = records(ReportLine, report_id=report.pk).count()
    projects_before = records(Project, id=project.pk).count()

    login(client, world, "county_education")
    changes = {
        project.pk: {
            "started_on": "2024-05-06",
            "started_area": "1200",
            "investment_month": "80",
            "progress": "30",
        }
    }
    response = client.post(
        reverse("reports:report_entry", args=[report.pk]), entry_data(report, changes)
    )
    assert response.status_code == 302
    line = ReportLine.objects.get(report=report, project=project)
    assert line.progress == 30
    # One record for the line that changed (and none for a line left as it was), one for the
    # project whose start date the report wrote.
    assert records(ReportLine, report_id=report.pk).count() == lines_before + 1
    assert records(Project, id=project.pk).count() == projects_before + 1
    latest = records(ReportLine, id=line.pk).latest("history_date")
    assert latest.history_user == world.users["county_education"] and latest.progress == 30

    url = reverse("reports:report_import", args=[report.pk])
    headers = read_xlsx(client.get(url + "?template=1").content)
    filled = [list(row) for row in headers[1:]]
    [row] = [r for r in filled if r[0] == project.code]
    row[7] = 40  # physical progress
    response = client.post(url, {"file": xlsx_upload(headers[0], filled)})
    assert response.context["result"].ok, response.context["result"].errors
    client.post(url, {"batch": response.context["batch"].pk})
    assert records(ReportLine, report_id=report.pk).count() == lines_before + 2
    assert records(ReportLine, id=line.pk).latest("history_date").progress == 40


def test_every_step_of_a_report_is_recorded(client, world):
    report = world.objects[OWN].report
    before = records(Report, id=report.pk).count()
    steps = [
        ("county_education", "submit"),
        ("county_finance", "confirm"),
        ("city", "return"),
        ("county_education", "submit"),
        ("county_finance", "confirm"),
        ("city", "approve"),
    ]
    for role, action in steps:
        login(client, world, role)
        response = client.post(
            reverse("reports:report_action", args=[report.pk, action]),
            {"reason": "请补充说明"},
        )
        assert response.status_code == 302, (role, action)
    report.refresh_from_db()
    assert report.state == "approved"
    history = records(Report, id=report.pk).order_by("history_date")
    assert history.count() == before + len(steps)
    assert [r.history_user for r in history][-len(steps) :] == [
        world.users[role] for role, _action in steps
    ]
    assert ReportEvent.objects.filter(report=report).count() == len(steps)


def test_the_admins_bulk_delete_is_recorded_per_row(client, world):
    own = world.objects[OWN]
    extra = funding.payment_save(
        payment=Payment(
            project=own.project,
            source=own.payment.source,
            payee=own.payment.payee,
            amount=100000,
            paid_on=datetime.date(2024, 5, 11),
            voucher_number="盖财付〔2024〕999号",
            approved_by="王建国",
            approved_on=datetime.date(2024, 5, 8),
        ),
        acting_user=world.users["admin"],
    )
    login(client, world, "admin")
    response = client.post(
        reverse("admin:funding_payment_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [own.payment.pk, extra.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    deleted = records(Payment, history_type="-")
    assert {r.id for r in deleted} == {own.payment.pk, extra.pk}
    assert {r.history_user for r in deleted} == {world.users["admin"]}
