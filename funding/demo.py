"""The demo's money: 营口市's tranches, funding plans, arrivals and payments.

Each project plans its amount as 50% central, 30% provincial and 20% county matching funds.
Central and provincial money comes to the city as one tranche per year and source and is
split to the counties; county matching money is allocated by each county to itself. Funds
arrive when a project is under way and are paid on completion: projects accepted or in use
are fully paid; projects under construction have received and paid 60%; projects not yet
started are waiting for their money. One project has received its money but paid only part
of it long ago — the demo's one funds-held (滞留) warning.
"""

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from funding.choices import FundLevel
from funding.models import Allocation, Arrival, Payment
from funding.services import allocation_save, arrival_save, funding_plan_save, payment_save
from projects.choices import ProjectStatus
from projects.models import District, Project

SHARES = ((FundLevel.CENTRAL, Decimal("0.5")), (FundLevel.PROVINCIAL, Decimal("0.3")))
# The rest of each project's amount is county matching money.
UPPER_DOCUMENTS = {
    FundLevel.CENTRAL: "财教〔{year}〕{n}号",
    FundLevel.PROVINCIAL: "辽财教〔{year}〕{n}号",
}
CITY_DOCUMENTS = "营财教〔{year}〕{n}号"
COUNTY_DOCUMENTS = {"210881": "盖财教〔{year}〕{n}号", "210882": "大财教〔{year}〕{n}号"}
VOUCHERS = {"210881": "盖财付〔{year}〕{n:04d}号", "210882": "大财付〔{year}〕{n:04d}号"}
FINANCE_USERS = {"210881": "gaizhou_finance", "210882": "dashiqiao_finance"}
SIGNERS = {
    "210881": "盖州市教育局 张立军、盖州市财政局 刘卫东",
    "210882": "大石桥市教育局 王海涛、大石桥市财政局 陈静",
}
PAID_IN_FULL = {ProjectStatus.ACCEPTED, ProjectStatus.AUDITED, ProjectStatus.IN_USE}
PAID_IN_PART = {ProjectStatus.STARTED, ProjectStatus.COMPLETED, ProjectStatus.DELIVERED}
PART = Decimal("0.6")
HELD_PROJECT_INDEX = 0  # of the projects under way, the first one keeps money unpaid


def plan_of(project: Project) -> dict:
    """The project's planned amount by source, to the fen, adding up to its planned amount."""
    amounts = {
        source: (project.planned_amount * share).quantize(Decimal("0.01"), ROUND_DOWN)
        for source, share in SHARES
    }
    amounts[FundLevel.COUNTY] = project.planned_amount - sum(amounts.values())
    return amounts


@transaction.atomic
def load() -> Counter:
    """Create the demo's money unless it is there already (the first tranche marks it)."""
    created = Counter()
    if Allocation.objects.filter(document_number__startswith="财教〔").exists():
        return created
    users = get_user_model().objects.in_bulk(
        ["province", "yingkou", *FINANCE_USERS.values()], field_name="username"
    )
    projects = list(
        Project.objects.filter(school__county__code__in=COUNTY_DOCUMENTS)
        .select_related("school__county")
        .order_by("code")
    )
    if not projects:
        return created
    admin = get_user_model().objects.get(username="admin")
    for project in projects:
        funding_plan_save(project=project, amounts=plan_of(project), acting_user=admin)
        created["funding plan lines"] += 3
    tranches = _tranches(projects, users, created)
    _arrivals_and_payments(projects, tranches, users, created)
    return created


def _tranches(projects, users, created) -> dict:
    """One tranche per county, year and source, each holding exactly what its projects plan."""
    city = District.objects.get(code="210800")
    needed = defaultdict(Decimal)
    for project in projects:
        for source, amount in plan_of(project).items():
            needed[(project.school.county, project.plan_year, source)] += amount
    counter = Counter()
    county_tranches = {}
    for year in sorted({year for _county, year, _source in needed}):
        for source, _share in SHARES:
            counties = {c: a for (c, y, s), a in needed.items() if y == year and s == source}
            counter[source] += 1
            upper = allocation_save(
                allocation=Allocation(
                    source=source,
                    document_number=UPPER_DOCUMENTS[source].format(
                        year=year, n=counter[source] * 7
                    ),
                    issued_on=date(year, 2, 20),
                    year=year,
                    recipient=city,
                    amount=sum(counties.values()),
                ),
                acting_user=users["province"],
            )
            created["tranches"] += 1
            for county, amount in sorted(counties.items(), key=lambda item: item[0].code):
                counter["city"] += 1
                county_tranches[(county.code, year, source)] = allocation_save(
                    allocation=Allocation(
                        source=source,
                        document_number=CITY_DOCUMENTS.format(year=year, n=counter["city"] + 10),
                        issued_on=date(year, 3, 15),
                        year=year,
                        recipient=county,
                        amount=amount,
                        split_from=upper,
                    ),
                    acting_user=users["yingkou"],
                )
                created["tranches"] += 1
        for (county, y, source), amount in sorted(needed.items(), key=lambda item: item[0][0].code):
            if y != year or source != FundLevel.COUNTY:
                continue
            counter[county.code] += 1
            county_tranches[(county.code, year, source)] = allocation_save(
                allocation=Allocation(
                    source=source,
                    document_number=COUNTY_DOCUMENTS[county.code].format(
                        year=year, n=counter[county.code] + 30
                    ),
                    issued_on=date(year, 4, 1),
                    year=year,
                    recipient=county,
                    amount=amount,
                ),
                acting_user=users[FINANCE_USERS[county.code]],
            )
            created["tranches"] += 1
    return county_tranches


def _arrivals_and_payments(projects, tranches, users, created) -> None:
    vouchers = Counter()
    under_way = [p for p in projects if p.status in PAID_IN_PART]
    held = under_way[HELD_PROJECT_INDEX] if under_way else None
    today = date.today()
    for project in projects:
        if project.status in PAID_IN_FULL:
            share = Decimal(1)
        elif project.status in PAID_IN_PART:
            share = PART
        else:
            continue  # waiting: the money has not reached the project yet
        county = project.school.county.code
        finance = users[FINANCE_USERS[county]]
        arrived_on = min(project.contracted_on + timedelta(days=10), today)
        finished = project.accepted_on or project.completed_on or project.delivered_on
        paid_on = min((finished or project.started_on or arrived_on) + timedelta(days=20), today)
        paid_on = max(paid_on, arrived_on)
        for source, amount in plan_of(project).items():
            part = (amount * share).quantize(Decimal("0.01"), ROUND_DOWN)
            arrived = amount if project is held else part
            if not arrived:
                continue
            arrival_save(
                arrival=Arrival(
                    allocation=tranches[(county, project.plan_year, source)],
                    project=project,
                    amount=arrived,
                    arrived_on=arrived_on,
                ),
                acting_user=finance,
            )
            created["arrivals"] += 1
            vouchers[(county, paid_on.year)] += 1
            payment_save(
                payment=Payment(
                    project=project,
                    source=source,
                    payee=project.contractor,
                    amount=part,
                    paid_on=paid_on,
                    voucher_number=VOUCHERS[county].format(
                        year=paid_on.year, n=vouchers[(county, paid_on.year)]
                    ),
                    approved_by=SIGNERS[county],
                    approved_on=paid_on - timedelta(days=3),
                ),
                acting_user=finance,
            )
            created["payments"] += 1
