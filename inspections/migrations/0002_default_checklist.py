"""A first checklist, so that a new installation can log visits at once; the city changes it in
the admin. Visits copy the items, so changing them later leaves old visits as they were."""

from django.db import migrations

DEFAULT_CHECKLIST = (
    ("approval", "项目已列入年度计划并经审核审定，无计划外项目"),
    ("approval", "立项、规划、用地、施工许可等审批手续齐全"),
    ("approval", "招投标或政府采购程序规范，无肢解发包、规避招标"),
    ("construction", "施工现场安全防护措施到位，无安全隐患"),
    ("construction", "工程质量符合设计和规范要求，监理单位履职到位"),
    ("construction", "施工进度符合计划，无停工、缓建"),
    ("acceptance", "竣工工程按规定组织竣工验收，未经验收的未投入使用"),
    ("acceptance", "设备到货后按合同组织验收，数量、质量与合同相符"),
    ("funds", "专项资金专账核算、专款专用，按报账制直接支付"),
    ("funds", "无截留、挤占、挪用、滞留资金，无虚列项目"),
    ("funds", "无以学校名义举债建设"),
    ("archives", "项目档案（立项、招标、合同、变更、验收、决算）齐全规范"),
    ("archives", "项目台账与月报数据真实、一致"),
)


def create(apps, schema_editor):
    ChecklistItem = apps.get_model("inspections", "ChecklistItem")
    if ChecklistItem.objects.exists():
        return
    ChecklistItem.objects.bulk_create(
        ChecklistItem(area=area, text=text, order=10 * number, is_active=True)
        for number, (area, text) in enumerate(DEFAULT_CHECKLIST, start=1)
    )


def remove(apps, schema_editor):
    ChecklistItem = apps.get_model("inspections", "ChecklistItem")
    ChecklistItem.objects.filter(text__in=[text for _area, text in DEFAULT_CHECKLIST]).delete()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
