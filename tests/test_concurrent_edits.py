"""Two people saving the same project or payment at once: the second is told who saved in
between, and nothing is silently lost (optimistic locking, gaibo.versions). A report submitted
while a line is being saved waits for it."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse

from funding import services as funding_services
from funding.models import Payment
from projects import services as project_services
from projects.models import Project
from reports import services as report_services
from reports.models import ReportTotals
from tests.concurrency import at_once
from tests.factories import PASSWORD, UserFactory
from tests.funding.conftest import a_payment, money  # noqa: F401 (fixture)
from tests.projects.test_views import project_form_data
from tests.reports.conftest import clock, county, line_of, may  # noqa: F401 (fixtures)


def signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def colleague(tree):
    return UserFactory(username="gaizhou2", role="county_education", district=tree.gaizhou)


@pytest.mark.django_db
def test_the_second_of_two_project_edits_is_told_and_loses_nothing(
    client, django_user_model, tree, users, colleague
):
    project = tree.projects["210881"]
    url = reverse("projects:project_update", args=[project.pk])
    loaded = signed_in(client, users.gaizhou).get(url).context["form"]["loaded_version"].value()

    # The colleague saves first, from the same version.
    other = client.__class__()
    signed_in(other, colleague).post(
        url, project_form_data(project, loaded_version=loaded, contractor="盖州建工")
    )
    response = client.post(
        url, project_form_data(project, loaded_version=loaded, contractor="营口建工")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "gaizhou2" in page and "您打开页面后" in page
    assert 'value="营口建工"' in page  # the refused input stays on the form
    project.refresh_from_db()
    assert (project.contractor, project.version) == ("盖州建工", loaded + 1)
    assert project.history.filter(contractor="营口建工").count() == 0

    # Reloaded, the page carries the new version and the save goes through.
    fresh = client.get(url).context["form"]["loaded_version"].value()
    response = client.post(
        url, project_form_data(project, loaded_version=fresh, contractor="营口建工")
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.contractor, project.version) == ("营口建工", loaded + 2)


@pytest.mark.django_db
def test_the_second_of_two_payment_corrections_is_told(client, money, users):  # noqa: F811
    payment = funding_services.payment_save(
        payment=a_payment(money.project), acting_user=users.gaizhou_finance
    )
    url = reverse("funding:payment_correct", args=[payment.pk])
    fields = {
        "source": payment.source,
        "payee": payment.payee,
        "paid_on": "2022-05-10",
        "voucher_number": payment.voucher_number,
        "approved_by": payment.approved_by,
        "approved_on": "2022-05-08",
        "loaded_version": payment.version,
    }
    signed_in(client, users.gaizhou_finance)
    first = client.post(url, {**fields, "amount": "45", "reason": "发票金额录错"})
    assert first.status_code == 302
    second = client.post(url, {**fields, "amount": "40", "reason": "发票金额录错"})
    assert second.status_code == 200 and "您打开页面后" in second.content.decode()
    payment.refresh_from_db()
    assert payment.amount == Decimal("450000.00")
    assert payment.history.count() == 2  # recorded, and the one correction


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_saves_of_one_project_at_the_same_moment(tree, users, colleague):
    # Both loaded version 1 and save at once, each in its own transaction: one is saved, the
    # other refused; neither overwrites the other silently.
    def save(user, contractor):
        project = Project.objects.select_related("school").get(pk=tree.projects["210881"].pk)
        project.contractor = contractor
        return lambda: project_services.project_save(project=project, acting_user=user)

    contractors = ("营口建工", "盖州建工")
    outcomes = {
        contractor: outcome.messages[0]
        if isinstance(outcome, ValidationError)
        else outcome
        if isinstance(outcome, Exception)
        else "saved"
        for contractor, outcome in zip(
            contractors,
            at_once(save(users.gaizhou, contractors[0]), save(colleague, contractors[1])),
            strict=True,
        )
    }

    saved = [contractor for contractor, outcome in outcomes.items() if outcome == "saved"]
    assert len(saved) == 1 and len(outcomes) == 2
    refused = next(outcome for outcome in outcomes.values() if outcome != "saved")
    assert "您打开页面后" in refused or "after you opened the page" in refused
    project = Project.objects.get(pk=tree.projects["210881"].pk)
    assert (project.contractor, project.version) == (saved[0], 2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_corrections_of_one_payment_at_the_same_moment(money, users):  # noqa: F811
    payment = funding_services.payment_save(
        payment=a_payment(money.project), acting_user=users.gaizhou_finance
    )

    def correct(amount):
        mine = Payment.objects.get(pk=payment.pk)
        mine.amount = amount

        def save():
            funding_services.payment_save(
                payment=mine, acting_user=users.gaizhou_finance, reason="更正"
            )
            return amount

        return save

    outcomes = [
        "refused" if isinstance(outcome, ValidationError) else outcome
        for outcome in at_once(correct(Decimal("400000.00")), correct(Decimal("300000.00")))
    ]

    assert outcomes.count("refused") == 1
    kept = next(outcome for outcome in outcomes if outcome != "refused")
    payment.refresh_from_db()
    assert (payment.amount, payment.version) == (kept, 2)


@pytest.mark.django_db
def test_an_edit_sent_without_its_version_is_refused(client, money, users):  # noqa: F811
    payment = funding_services.payment_save(
        payment=a_payment(money.project), acting_user=users.gaizhou_finance
    )
    response = signed_in(client, users.gaizhou_finance).post(
        reverse("funding:payment_correct", args=[payment.pk]),
        {
            "source": payment.source,
            "payee": payment.payee,
            "amount": "40",
            "paid_on": "2022-05-10",
            "voucher_number": payment.voucher_number,
            "approved_by": payment.approved_by,
            "approved_on": "2022-05-08",
            "reason": "发票金额录错",
        },
    )
    assert response.status_code == 200 and "页面已过期" in response.content.decode()
    payment.refresh_from_db()
    assert payment.amount == Decimal("500000.00")


@pytest.mark.django_db
def test_the_admin_form_is_told_too(rf, tree, users):
    from django.contrib import admin

    project = Project.objects.get(pk=tree.projects["210881"].pk)
    request = rf.get("/")
    request.user = users.admin
    form_class = admin.site._registry[Project].get_form(request, project)
    opened = form_class(instance=project)
    data = {
        name: "" if value is None else value
        for name, value in ((name, opened[name].value()) for name in opened.fields)
        if value is not False
    }
    project_services.project_save(project=project, acting_user=users.gaizhou)  # version 2

    form = form_class(
        data={**data, "contractor": "营口建工"}, instance=Project.objects.get(pk=project.pk)
    )
    assert not form.is_valid()
    assert "您打开页面后" in str(form.non_field_errors())


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_report_submitted_while_a_line_is_being_saved_counts_the_line(may, county, users):  # noqa: F811
    """The submission waits for the save under way: the line is not written into a submitted
    report behind its totals (nor behind the dashboards' kept pages)."""
    saved, submitted, go = threading.Event(), threading.Event(), threading.Event()

    def enter():
        line = line_of(may, county.building)
        line.investment_month = Decimal("1000000")
        report_services.report_line_save(line=line, acting_user=users.gaizhou)
        saved.set()
        assert go.wait(timeout=10)  # the transaction stays open meanwhile

    def submit():
        assert saved.wait(timeout=10)
        report_services.report_submit(report=may, acting_user=users.gaizhou)
        submitted.set()

    def watch():
        assert saved.wait(timeout=10)
        waited = not submitted.wait(timeout=1)
        go.set()
        return waited

    def enter_in_a_transaction():
        with transaction.atomic():
            return enter()

    outcomes = at_once(enter_in_a_transaction, submit, watch)
    assert outcomes[:2] == [None, None] and outcomes[2] is True  # the submission waited
    totals = ReportTotals.objects.get(report=may)
    assert totals.investment == Decimal("1000000")
