"""manage.py load_demo: every app's demo data (projects, funding, inspections, reports, plans),
created where missing. Here, above the apps, so that no app imports another it does not need."""

from django.core.management.base import BaseCommand
from django.db import transaction

from funding import demo as funding_demo
from funding.services import totals_deferred
from inspections import demo as inspections_demo
from plans import demo as plans_demo
from projects import demo
from reports import demo as reports_demo


class Command(BaseCommand):
    help = (
        "Load the demo data: 营口市's districts, schools and 全面改薄 projects, and one user per "
        "role. Creates only what is missing, so it may run again."
    )

    def handle(self, *args, **options):
        # One transaction; the kept totals of each county summed once, at its end.
        with transaction.atomic(), totals_deferred():
            created = demo.load()
            created += funding_demo.load()
            created += inspections_demo.load()
            created += reports_demo.load()
            created += plans_demo.load()
        if not created:
            self.stdout.write("Demo data already loaded; nothing created.")
            return
        counts = ", ".join(f"{count} {name}" for name, count in created.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: created {counts} (password of every demo user: "
                f"{demo.PASSWORD})."
            )
        )
