"""Review fixes of the plans app (one migration for all of them):

- a reviewer's comment survives the removal of its project (SET_NULL) and keeps the
  project's code and name, filled here for the comments made before;
- a plan item has a version (gaibo.versions): of two people editing it, the second is told;
- a change request may be withdrawn by its county (a new state);
- a plan item's equipment lines keep their history.
"""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
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
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
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
        migrations.CreateModel(
            name='HistoricalPlanItemLine',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('category', models.CharField(choices=[('computers', 'Computers and teaching instruments'), ('books', 'Books'), ('desks', 'Desks and chairs'), ('living', 'Living facilities'), ('arts_sports', 'Music, sports and art equipment'), ('digital', 'Digital education resources')], max_length=16, verbose_name='reporting category')),
                ('name', models.CharField(max_length=200, verbose_name='item')),
                ('unit', models.CharField(choices=[('unit', 'unit (台)'), ('piece', 'piece (件)'), ('set', 'set (套)'), ('volume', 'volume (册)'), ('gb', 'GB')], max_length=8, verbose_name='unit')),
                ('quantity', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='quantity')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.00'), message='An amount cannot be negative.')], verbose_name='amount (yuan)')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.planitem', verbose_name='plan item')),
            ],
            options={
                'verbose_name': 'historical planned equipment line',
                'verbose_name_plural': 'historical planned equipment lines',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(keep_code_and_name, migrations.RunPython.noop, elidable=False),
    ]
