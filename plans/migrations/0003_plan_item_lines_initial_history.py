"""A first history row ("created") for each plan item equipment line that existed before its
history was kept (0002), so that its first change shows what it was before."""

from django.db import migrations
from django.utils import timezone


def initial_history(apps, schema_editor):
    line_model = apps.get_model("plans", "PlanItemLine")
    history_model = apps.get_model("plans", "HistoricalPlanItemLine")
    recorded = set(history_model.objects.values_list("id", flat=True))
    now = timezone.now()
    fields = [field.attname for field in line_model._meta.concrete_fields]
    history_model.objects.bulk_create(
        [
            history_model(
                **{name: getattr(line, name) for name in fields},
                history_date=now,
                history_type="+",
                history_change_reason="Initial record (history kept from here on)",
            )
            for line in line_model.objects.exclude(pk__in=recorded).order_by("pk")
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [("plans", "0002_plans_changes")]

    operations = [migrations.RunPython(initial_history, migrations.RunPython.noop)]
