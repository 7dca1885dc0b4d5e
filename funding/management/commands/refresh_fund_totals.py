from django.conf import settings
from django.core.management.base import BaseCommand

from funding.models import FundTotals, HeldFunds
from funding.services import fund_totals_refresh


class Command(BaseCommand):
    help = (
        "Sum every arrival and payment again into the totals the dashboards read: FundTotals "
        "and HeldFunds (滞留 per county and month). The funding services keep them as records "
        "are written; run this after changing GAIBO_HELD_FUNDS_DAYS, or after records were "
        "changed in the database directly."
    )

    def handle(self, *args, **options):
        fund_totals_refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"{FundTotals.objects.count()} fund totals and {HeldFunds.objects.count()} "
                f"month-ends of funds held (GAIBO_HELD_FUNDS_DAYS={settings.GAIBO_HELD_FUNDS_DAYS})"
                " summed again."
            )
        )
