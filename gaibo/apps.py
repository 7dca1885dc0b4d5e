from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GaiboConfig(AppConfig):
    name = "gaibo"
    verbose_name = _("Accounts")
