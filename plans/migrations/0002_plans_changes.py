"""Review fixes of the plans app (one migration for all of them):

- a reviewer's comment survives the removal of its project (SET_NULL) and keeps the
  project's code and name, filled here for the comments made before;
- a plan item has a version (gaibo.versions): of two people editing it, the second is told;
- a change request may be withdrawn by its county (a new state).
"""

import django.db.models.deletion
from django.db import migrations, models


def keep_code_and_name(apps, schema_editor):
    PlanComment = apps.get_model("plans", "PlanComment")
    comments = list(PlanComment.objects.filter(item__isnull=False).select_related("item"))
    for comment in comments:
        comment.item_code = comment.item.code
        comment.item_name = comment.item.name
    PlanComment.objects.bulk_update(comments, ["item_code", "item_name"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="plancomment",
            name="item",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="comments",
                to="plans.planitem",
                verbose_name="plan item",
            ),
        ),
        migrations.AddField(
            model_name="plancomment",
            name="item_code",
            field=models.CharField(default="", max_length=32, verbose_name="project code"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="plancomment",
            name="item_name",
            field=models.CharField(default="", max_length=200, verbose_name="project name"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="planitem",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="version"),
        ),
        migrations.RemoveConstraint(
            model_name="changerequest",
            name="plans_changerequest_state_valid",
        ),
        migrations.AlterField(
            model_name="changerequest",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "Awaiting the city"),
                    ("approved", "Approved"),
                    ("refused", "Refused"),
                    ("withdrawn", "Withdrawn by the county"),
                ],
                default="pending",
                max_length=16,
                verbose_name="state",
            ),
        ),
        migrations.AddConstraint(
            model_name="changerequest",
            constraint=models.CheckConstraint(
                condition=models.Q(("state__in", ["pending", "approved", "refused", "withdrawn"])),
                name="plans_changerequest_state_valid",
                violation_error_message="A value is not one of its listed choices.",
            ),
        ),
        migrations.RunPython(keep_code_and_name, migrations.RunPython.noop, elidable=False),
    ]
