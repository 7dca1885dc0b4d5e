from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Monthly reports")

    def ready(self):
        from gaibo import data_version
        from reports.models import ReportLine

        # The lines are written only while their report is open for entry (draft or returned,
        # held so while the save runs: services._hold_state), which no dashboard counts, and by
        # the finance bureau's confirmation, which changes the report too; a line that changes
        # its project's dates writes the project. So entering a report leaves the kept
        # dashboard pages (gaibo.page_cache) as they are, and submitting, confirming,
        # returning, approving or reopening it shows at once.
        data_version.unseen(ReportLine)
