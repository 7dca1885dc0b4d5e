"""Writes of money records. Each rule is checked here, under a row lock, so that two users
racing past a limit cannot both commit; every change is kept in the history."""

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding.models import (
    Allocation,
    Arrival,
    FundingPlanLine,
    FundTotals,
    HeldFunds,
    Payment,
    PlanTotals,
)
from funding.selectors import HALF_FEN, PLAN_AMOUNTS, PLAN_COUNTS, plan_sums
from gaibo.money import ZERO, wan_text
from gaibo.services import recorded_delete, validated_save
from projects.baseline import is_baselined
from projects.choices import PROGRAMME_YEARS, DistrictLevel, Programme
from projects.models import District, Project


def _total(queryset) -> Decimal:
    return queryset.aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]


def _not_in_future(day, field) -> None:
    if day and day > timezone.localdate():
        raise ValidationError({field: _("This date is in the future.")})


def _save(instance, *, acting_user, reason: str = ""):
    instance._change_reason = reason
    return validated_save(instance, acting_user=acting_user)


def allocation_remaining(allocation: Allocation) -> Decimal:
    """What a tranche has left to split further or to send to projects."""
    return allocation.amount - _total(allocation.splits.all()) - _total(allocation.arrivals.all())


@transaction.atomic
def allocation_save(*, allocation: Allocation, acting_user, reason: str = "") -> Allocation:
    """Record a tranche, or correct one (the history keeps the reason and the old values)."""
    if not acting_user.can_record_allocations:
        raise PermissionDenied(_("Your role cannot record tranches."))
    if not District.objects.visible_to(acting_user).filter(pk=allocation.recipient_id).exists():
        raise ValidationError({"recipient": _("This district is outside your district.")})
    _not_in_future(allocation.issued_on, "issued_on")
    source_before = None
    if allocation.pk:
        # Its arrivals count in their county's fund totals by the tranche's source: that
        # county first (see lock_counties), then the row, held while checking.
        stored = Allocation.objects.filter(pk=allocation.pk).values("recipient", "source").get()
        lock_counties([stored["recipient"]])
        source_before = stored["source"]
        Allocation.objects.select_for_update().get(pk=allocation.pk)
        already_used = _total(allocation.splits.all()) + _total(allocation.arrivals.all())
        if allocation.amount is not None and allocation.amount < already_used:
            raise ValidationError(
                {"amount": _("The tranche has already passed on more than this amount.")}
            )
    parent = allocation.split_from
    if parent is not None:
        parent = Allocation.objects.select_for_update().get(pk=parent.pk)
        if not Allocation.objects.visible_to(acting_user).filter(pk=parent.pk).exists():
            raise ValidationError({"split_from": _("This tranche is outside your district.")})
        if allocation.recipient.parent_id != parent.recipient_id:
            raise ValidationError(
                {"recipient": _("A tranche is split only to the districts directly below it.")}
            )
        if (allocation.source, allocation.year) != (parent.source, parent.year):
            raise ValidationError(
                _("A split keeps the source and the budget year of the tranche it comes from.")
            )
        left = allocation_remaining(parent)
        if allocation.pk:
            left += Allocation.objects.get(pk=allocation.pk).amount
        if allocation.amount is not None and allocation.amount > left:
            raise ValidationError(
                {
                    "amount": _(
                        "The tranche %(document)s has only %(left)s (10,000 yuan) left to "
                        "distribute."
                    )
                    % {"document": parent.document_number, "left": wan_text(left)}
                }
            )
    allocation = _save(allocation, acting_user=acting_user, reason=reason)
    if source_before is not None and source_before != allocation.source:
        fund_totals_refresh(_fund_cells(allocation.arrivals.all(), "arrived_on"))
    return allocation


@transaction.atomic
def arrival_save(*, arrival: Arrival, acting_user, reason: str = "") -> Arrival:
    """Record funds of a tranche arriving for a project, never more than the tranche has left."""
    if not acting_user.can_record_payments:
        raise PermissionDenied(_("Your role cannot record arrivals or payments."))
    lock_county_of_project(arrival.project_id)
    project = _visible_project(arrival.project_id, acting_user, lock=True)
    _not_in_future(arrival.arrived_on, "arrived_on")
    allocation = Allocation.objects.select_for_update().get(pk=arrival.allocation_id)
    if allocation.recipient_id != project.school.county_id:
        raise ValidationError(
            {"allocation": _("This tranche was not allocated to the project's county.")}
        )
    left = allocation_remaining(allocation)
    if arrival.pk:
        left += Arrival.objects.get(pk=arrival.pk).amount
    if arrival.amount is not None and arrival.amount > left:
        raise ValidationError(
            {
                "amount": _("The tranche %(document)s has only %(left)s (10,000 yuan) left.")
                % {"document": allocation.document_number, "left": wan_text(left)}
            }
        )
    if arrival.pk:
        _check_paid_within_arrived(project, allocation.source, exclude_arrival=arrival)
    before = _fund_cells(Arrival.objects.filter(pk=arrival.pk), "arrived_on")
    arrival = _save(arrival, acting_user=acting_user, reason=reason)
    fund_totals_refresh(before | _fund_cells(Arrival.objects.filter(pk=arrival.pk), "arrived_on"))
    return arrival


@transaction.atomic
def payment_save(*, payment: Payment, acting_user, reason: str = "") -> Payment:
    """Record a payment to the project's contractor or supplier, or correct one.

    A project's payments from a source never exceed what has arrived for it from that source;
    the project's row is locked while this is checked, so concurrent payments queue up.
    """
    if not acting_user.can_record_payments:
        raise PermissionDenied(_("Your role cannot record arrivals or payments."))
    lock_county_of_project(payment.project_id)
    project = _visible_project(payment.project_id, acting_user, lock=True)
    _not_in_future(payment.paid_on, "paid_on")
    _not_in_future(payment.approved_on, "approved_on")
    if not project.contractor:
        raise ValidationError(
            _("The project has no contractor or supplier yet: record it before paying.")
        )
    if payment.payee != project.contractor:
        raise ValidationError(
            {
                "payee": _(
                    "Payments go straight to the project's contractor or supplier, %(name)s."
                )
                % {"name": project.contractor}
            }
        )
    voucher = payment.voucher_number
    if voucher and Payment.objects.filter(voucher_number=voucher).exclude(pk=payment.pk).exists():
        raise ValidationError({"voucher_number": _("This voucher number has already been used.")})
    if payment.amount is not None and payment.source:
        arrived = _total(Arrival.objects.filter(project=project, allocation__source=payment.source))
        paid = _total(
            Payment.objects.filter(project=project, source=payment.source).exclude(pk=payment.pk)
        )
        if payment.amount > arrived - paid:
            raise ValidationError(
                {
                    "amount": _(
                        "Only %(left)s (10,000 yuan) of this source has arrived for the project "
                        "and is still unpaid."
                    )
                    % {"left": wan_text(arrived - paid)}
                }
            )
    before = _fund_cells(Payment.objects.filter(pk=payment.pk), "paid_on")
    payment = _save(payment, acting_user=acting_user, reason=reason)
    fund_totals_refresh(before | _fund_cells(Payment.objects.filter(pk=payment.pk), "paid_on"))
    return payment


BASELINE_FUNDING_LOCKED = gettext_lazy(
    "The funding plan of a project of an approved plan is fixed by the plan: ask for a change "
    "request."
)


@transaction.atomic
def funding_plan_save(
    *, project: Project, amounts: dict, acting_user, baseline_change: bool = False
) -> None:
    """Set a project's planned amount per source; a source set to nothing is removed.

    The funding plan of a project of a province-approved plan is part of its baseline: it
    changes only through plans.services (`baseline_change=True`, its roles checked there).
    """
    if not baseline_change and not acting_user.can_edit_projects:
        raise PermissionDenied(_("Your role cannot edit schools or projects."))
    # Its county first (see lock_counties), then the project: the province's approval making
    # this project's baseline waits, or is waited for.
    lock_county_of_project(project.pk)
    project = _visible_project(project.pk, acting_user, lock=True)
    if not baseline_change and is_baselined(project.pk):
        raise ValidationError(BASELINE_FUNDING_LOCKED)
    existing = {line.source: line for line in project.funding_plan.all()}
    for source, amount in amounts.items():
        line = existing.get(source)
        if not amount:
            if line is not None:
                line._history_user = acting_user
                line.delete()
            continue
        if line is None:
            line = FundingPlanLine(project=project, source=source)
        if line.amount != amount:
            line.amount = amount
            validated_save(line, acting_user=acting_user)
    plan_totals_refresh([project.school.county_id])


def _visible_project(project_id, acting_user, *, lock: bool = False) -> Project:
    projects = Project.objects.visible_to(acting_user).select_related("school")
    if lock:
        projects = projects.select_for_update(of=("self",))
    project = projects.filter(pk=project_id).first()
    if project is None:
        raise ValidationError({"project": _("This project is outside your district.")})
    return project


def _check_paid_within_arrived(project, source, *, exclude_arrival) -> None:
    """After correcting an arrival, what was paid must still be covered by what arrived."""
    arrived = _total(
        Arrival.objects.filter(project=project, allocation__source=source).exclude(
            pk=exclude_arrival.pk
        )
    ) + (exclude_arrival.amount or ZERO)
    paid = _total(Payment.objects.filter(project=project, source=source))
    if paid > arrived:
        raise ValidationError(
            {
                "amount": _("The project has already paid %(paid)s (10,000 yuan) of this source.")
                % {"paid": wan_text(paid)}
            }
        )


@transaction.atomic
def fund_record_delete(*, record: Arrival | Payment, acting_user) -> None:
    """Delete an arrival or a payment (the admin's delete), its fund totals following."""
    lock_county_of_project(record.project_id)
    date_field = "arrived_on" if isinstance(record, Arrival) else "paid_on"
    cells = _fund_cells(type(record).objects.filter(pk=record.pk), date_field)
    recorded_delete(record, acting_user=acting_user)
    fund_totals_refresh(cells)


def lock_counties(county_ids) -> None:
    """Lock the counties' rows, in order, before anything else of a write that changes their
    fund totals: every such write takes its counties first and its projects after, so two
    writers never wait on each other in opposite orders. FOR NO KEY UPDATE: rows that merely
    refer to a county (new schools, reports) are not held up."""
    ids = sorted({county_id for county_id in county_ids if county_id is not None})
    if ids:
        rows = District.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
        list(rows.values_list("pk", flat=True))


def _all_counties() -> list:
    """Every county: what a refresh of everything locks (in order, as lock_counties does), so
    that it waits for the writers under way and they for it."""
    return list(District.objects.filter(level=DistrictLevel.COUNTY).values_list("pk", flat=True))


def _county_of_project(project_id) -> list:
    return list(Project.objects.filter(pk=project_id).values_list("school__county", flat=True))


def lock_county_of_project(project_id) -> None:
    """Lock the county of a project before the project (see lock_counties). Its county is read
    before the lock: a project moved in that moment is refused, to be tried again (once the
    county is held, nothing moves out of it: a move locks both counties first)."""
    county = _county_of_project(project_id)
    lock_counties(county)
    if _county_of_project(project_id) != county:
        raise ValidationError(
            _("This project moved to another county just now; nothing was saved. Try again.")
        )


def fund_cells(projects) -> set[tuple]:
    """The (county, month) of the fund totals counting some projects' arrivals and payments:
    to refresh when those projects move to another county or programme."""
    return _fund_cells(Arrival.objects.filter(project__in=projects), "arrived_on") | _fund_cells(
        Payment.objects.filter(project__in=projects), "paid_on"
    )


def _fund_cells(records, date_field: str) -> set[tuple]:
    """The (county, month) of some arrivals or payments: the fund totals they count in."""
    return {
        (county, _as_date(month))
        for county, month in records.annotate(month=TruncMonth(date_field))
        .values_list("project__school__county", "month")
        .order_by()
    }


FUND_RECORDS = (
    (Arrival, "arrived_on", "allocation__source", 0),
    (Payment, "paid_on", "source", 1),
)


@transaction.atomic
def fund_totals_refresh(cells=None) -> None:
    """Sum the arrivals and payments again into the fund totals (see FundTotals): of the given
    (county, month) pairs (month None: all the county's months), or of everything. The
    counties are locked first (`lock_counties`), so that two writers in one county sum one
    after the other and neither total misses the other's record."""
    if cells is not None:
        cells = {(county, month and _as_date(month)) for county, month in cells}
        if not cells:
            return
        lock_counties(county for county, _month in cells)
    else:
        lock_counties(_all_counties())
    totals = FundTotals.objects.all()
    if cells is not None:
        totals = totals.filter(_cells_condition(cells, "county", "month"))
    totals.delete()
    sums = {}
    for model, date_field, source_field, slot in FUND_RECORDS:
        records = model.objects.all()
        if cells is not None:
            records = records.filter(
                _cells_condition(cells, "project__school__county", date_field, dates=True)
            )
        grouped = (
            records.values(
                county=F("project__school__county"),
                fund_programme=F("project__programme"),
                fund_source=F(source_field),
                month=TruncMonth(date_field),
            )
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for row in grouped:
            key = (row["county"], row["fund_programme"], row["fund_source"], row["month"])
            sums.setdefault(key, [ZERO, ZERO])[slot] = row["total"]
    FundTotals.objects.bulk_create(
        FundTotals(
            county_id=county,
            programme=programme,
            source=source,
            month=_as_date(month),
            arrived=arrived,
            paid=paid,
        )
        for (county, programme, source, month), (arrived, paid) in sums.items()
    )
    held_funds_refresh(None if cells is None else {county for county, _month in cells})


# The counties whose funds held and plan totals wait for the end of a batch of writes
# (totals_deferred), by kind; None outside one.
_deferred = threading.local()


@dataclass
class Batch:
    discard: bool = False  # set when the writes will be rolled back: nothing to sum


@contextmanager
def totals_deferred():
    """Within: the funds held unpaid and the plan totals of the counties written are summed
    once, at the end (the rows of an import, the items of a plan's approval), not after each
    write; the fund totals of the months written are still summed at each. Use it inside the
    writes' transaction: the sums are made in it, before it commits. It gives a Batch whose
    `discard` skips the sums (an import's preview, rolled back)."""
    batch = Batch()
    if getattr(_deferred, "counties", None) is not None:  # nested: the outermost sums
        yield batch
        return
    _deferred.counties = pending = {"held": set(), "plan": set()}
    try:
        yield batch
    finally:
        _deferred.counties = None
    if batch.discard:
        return
    if pending["held"]:
        held_funds_refresh(pending["held"])
    if pending["plan"]:
        plan_totals_refresh(pending["plan"])


def _deferring(kind: str, counties) -> bool:
    """Inside totals_deferred: note the counties for its end, and say so."""
    pending = getattr(_deferred, "counties", None)
    if pending is None or counties is None:
        return False
    pending[kind].update(county for county in counties if county)
    return True


@transaction.atomic
def held_funds_refresh(counties=None) -> None:
    """Work out again how many projects of the given counties (None: of all) hold funds unpaid
    (滞留) at the end of each month (see HeldFunds). fund_totals_refresh calls it, under its
    county locks, whenever an arrival or a payment is written.

    Each record is a change of what a project holds from a source, on the day it starts to
    count: an arrival GAIBO_HELD_FUNDS_DAYS days after it arrived, a payment on the day it was
    paid. A project holds funds at a month's end when the changes of one of its sources up to
    that day leave at least a fen."""
    if _deferring("held", counties):
        return
    lock_counties(_all_counties() if counties is None else counties)
    days = settings.GAIBO_HELD_FUNDS_DAYS
    kept = HeldFunds.objects.all()
    county_ids = District.objects.filter(level=DistrictLevel.COUNTY)
    if counties is not None:
        kept = kept.filter(county__in=counties)
        county_ids = county_ids.filter(pk__in=counties)
    kept.delete()
    changes = {}  # (county, programme) → {(project, source): [(day, amount), …]}
    for model, date_field, source_field, sign in (
        (Arrival, "arrived_on", "allocation__source", 1),
        (Payment, "paid_on", "source", -1),
    ):
        records = model.objects.all()
        if counties is not None:
            records = records.filter(project__school__county__in=counties)
        shift = timedelta(days=days if sign > 0 else 0)
        for county, programme, project, source, day, amount in records.values_list(
            "project__school__county",
            "project__programme",
            "project",
            source_field,
            date_field,
            "amount",
        ).order_by():
            changes.setdefault((county, programme), {}).setdefault((project, source), []).append(
                (day + shift, sign * amount)
            )
    HeldFunds.objects.bulk_create(
        row
        for county in county_ids.order_by("pk").values_list("pk", flat=True)
        for programme in Programme
        for row in _held_rows(county, programme, days, changes.get((county, programme), {}))
    )


def _held_rows(county, programme, days, changes: dict) -> list[HeldFunds]:
    """The HeldFunds rows of a county and programme from its projects' changes (see above)."""
    first = last = date(PROGRAMME_YEARS[programme][0], 1, 1)
    all_days = [day for records in changes.values() for day, _amount in records]
    if all_days:
        first = min(first, min(all_days).replace(day=1))
        last = max(last, max(all_days).replace(day=1))
    months = [first]
    while months[-1] < last:
        months.append(_next_month(months[-1]))
    ends = [_next_month(month) - timedelta(days=1) for month in months]
    held = [set() for _month in months]
    for (project, _source), records in changes.items():
        records.sort()
        balance, position = ZERO, 0
        for index, end in enumerate(ends):
            while position < len(records) and records[position][0] <= end:
                balance += records[position][1]
                position += 1
            if balance >= HALF_FEN:
                held[index].add(project)
    return [
        HeldFunds(
            county_id=county,
            programme=programme,
            days=days,
            month=month,
            projects=len(projects),
            is_last=index == len(months) - 1,
        )
        for index, (month, projects) in enumerate(zip(months, held, strict=True))
    ]


@transaction.atomic
def plan_totals_refresh(counties=None) -> None:
    """Sum the plan of the given counties' projects again into PlanTotals (None: of every
    county): a row per county and programme, zero rows included, so that a county without a
    row is one never summed. Whatever writes a project's county, programme, category, planned
    area or amount, early flag, equipment lines or funding plan calls it in its transaction,
    its counties locked first (lock_counties, as for the fund totals: two writers in one county
    sum one after the other, and neither total misses the other's change)."""
    if _deferring("plan", counties):
        return
    lock_counties(_all_counties() if counties is None else counties)
    county_ids = District.objects.filter(level=DistrictLevel.COUNTY)
    if counties is not None:
        county_ids = county_ids.filter(pk__in={county for county in counties if county})
    county_ids = list(county_ids.order_by("pk").values_list("pk", flat=True))
    if not county_ids:
        return
    PlanTotals.objects.filter(county__in=county_ids).delete()
    rows = []
    for programme in Programme:
        sums = plan_sums("school__county", school__county__in=county_ids, programme=programme)
        for county in county_ids:
            row = sums.get(county, {})
            rows.append(
                PlanTotals(
                    county_id=county,
                    programme=programme,
                    **{name: row.get(name, 0) for name in PLAN_COUNTS + PLAN_AMOUNTS},
                    sources={
                        source: str(amount) for source, amount in row.get("sources", {}).items()
                    },
                    quantities={
                        category: {unit: str(quantity) for unit, quantity in units.items()}
                        for category, units in row.get("quantities", {}).items()
                    },
                )
            )
    PlanTotals.objects.bulk_create(rows)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _cells_condition(cells, county_field: str, month_field: str, *, dates=False) -> Q:
    """Rows of the given (county, month) pairs; with `dates`, month_field is a day within the
    month (a range the indexes can use)."""
    condition = Q()
    for county, month in cells:
        cell = Q(**{county_field: county})
        if month and dates:
            after = _next_month(month)
            cell &= Q(**{f"{month_field}__gte": month, f"{month_field}__lt": after})
        elif month:
            cell &= Q(**{month_field: month})
        condition |= cell
    return condition


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value
