from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from funding.models import FundTotals, HeldFunds, PlanTotals
from funding.services import fund_totals_refresh, plan_totals_refresh
from reports.choices import Half
from reports.models import Report
from reports.selectors import COUNTED_STATES
from reports.services import report_totals_refresh


class Command(BaseCommand):
    help = (
        "Sum everything the dashboards keep summed again from the records: the fund totals "
        "and the funds held unpaid (滞留) per county and month, the plan totals per county, "
        "the totals of each counted monthly report. The services keep them as records are "
        "written; run this after changing GAIBO_HELD_FUNDS_DAYS, or after records were "
        "changed in the database directly."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        fund_totals_refresh()
        plan_totals_refresh()
        reports = Report.objects.filter(half=Half.WHOLE, state__in=COUNTED_STATES[True])
        for report in reports.order_by("ends_on", "pk"):
            report_totals_refresh(report)
        self.stdout.write(
            self.style.SUCCESS(
                f"Summed again: {FundTotals.objects.count()} fund totals, "
                f"{HeldFunds.objects.count()} month-ends of funds held unpaid "
                f"(GAIBO_HELD_FUNDS_DAYS={settings.GAIBO_HELD_FUNDS_DAYS}), "
                f"{PlanTotals.objects.count()} plan totals, {reports.count()} report totals."
            )
        )
