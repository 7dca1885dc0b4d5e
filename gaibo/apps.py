from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class GaiboConfig(AppConfig):
    name = "gaibo"
    verbose_name = _("Accounts")

    def ready(self):
        from gaibo import data_version

        # Every connection's writes raise the data version the page cache checks.
        connection_created.connect(data_version.install, dispatch_uid="gaibo.data_version")
        pre_migrate.connect(data_version.migrating, sender=self, dispatch_uid="gaibo.data_version")
        post_migrate.connect(data_version.migrated, sender=self, dispatch_uid="gaibo.data_version")
