from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Plans and public disclosure")

    def ready(self):
        # Projects asks whether a project's baseline is locked through projects.baseline (it
        # does not import plans: plans depends on projects, not the reverse).
        from plans import selectors
        from projects import baseline

        baseline.register(
            is_baselined=selectors.is_baselined, baseline_of=selectors.project_baseline
        )
