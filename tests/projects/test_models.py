"""The rules the data keeps: each one in the database, with a message in Chinese naming it."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from projects.choices import DistrictLevel, ProjectCategory, ProjectStatus, SchoolType, Unit
from projects.models import Project
from tests.factories import DistrictFactory, EquipmentLineFactory, ProjectFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def messages_of(instance) -> str:
    """Every validation message of the instance, in Chinese, in one string."""
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as caught:
            instance.full_clean()
        return " ".join(str(m) for messages in caught.value.message_dict.values() for m in messages)


def refused_by_database(instance):
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


def test_district_codes_are_unique_and_six_digits(tree):
    twin = DistrictFactory.build(code="210881", name="重复", parent=tree.city)
    assert "已有行政区划使用此代码" in messages_of(twin)
    refused_by_database(twin)
    short = DistrictFactory.build(code="2108", name="短码", parent=tree.city)
    assert "六位数字" in messages_of(short)
    refused_by_database(short)


def test_only_a_province_has_no_parent(db):
    orphan = DistrictFactory.build(code="210800", name="营口市", level=DistrictLevel.CITY)
    assert "市或县必须有上级" in messages_of(orphan)
    refused_by_database(orphan)


def test_school_codes_are_unique_and_ten_digits(tree):
    existing = tree.schools["210881"]
    twin = SchoolFactory.build(code=existing.code, county=tree.gaizhou)
    assert "已有学校使用此学校标识码" in messages_of(twin)
    refused_by_database(twin)
    bad = SchoolFactory.build(code="12345", county=tree.gaizhou)
    assert "十位数字" in messages_of(bad)
    refused_by_database(bad)


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"is_public": False}, "民办学校"),
        ({"school_type": SchoolType.KINDERGARTEN}, "幼儿园"),
        ({"school_type": SchoolType.HIGH}, "普通高中"),
        ({"in_layout_plan": False}, "布局规划"),
    ],
)
def test_eligibility_names_each_reason(tree, changes, reason):
    school = tree.schools["210881"]
    assert school.is_eligible
    for name, value in changes.items():
        setattr(school, name, value)
    assert not school.is_eligible
    with translation.override("zh-hans"):
        assert any(reason in str(problem) for problem in school.eligibility_problems())


def test_rural_school_under_100_pupils_is_small_scale(tree):
    school = SchoolFactory.build(location="rural", pupils=99)
    assert school.is_small_scale
    school.pupils = 100
    assert not school.is_small_scale
    school.pupils, school.location = 40, "town"
    assert not school.is_small_scale


def test_amounts_cannot_be_negative(tree):
    project = tree.projects["210881"]
    project.planned_amount = Decimal("-1.00")
    assert "金额不能为负数" in messages_of(project)
    refused_by_database(project)


def test_construction_needs_a_floor_area_above_zero(tree):
    project = tree.projects["210881"]
    for area in (None, Decimal("0")):
        project.planned_area = area
        assert "校舍建设项目须填写大于零的计划建筑面积" in messages_of(project)
        refused_by_database(project)


def test_equipment_project_has_no_floor_area_or_building_kind(tree):
    project = ProjectFactory.equipment(school=tree.schools["210881"])
    project.planned_area = Decimal("100")
    assert "设备购置和信息化项目不填" in messages_of(project)
    refused_by_database(project)
    project.refresh_from_db()
    project.work_type = "new"
    assert "建设类别和建设性质" in messages_of(project)
    refused_by_database(project)


def test_plan_year_lies_in_the_programme(tree):
    project = tree.projects["210881"]
    project.plan_year = 2019
    assert "计划年度不在所属专项的年度范围内" in messages_of(project)
    refused_by_database(project)


def test_a_status_needs_its_date(tree):
    project = tree.projects["210881"]
    project.status = ProjectStatus.APPROVED
    assert "审批日期应在且仅在项目进行到该环节时填写" in messages_of(project)
    refused_by_database(project)


def test_a_later_step_needs_the_earlier_one_and_comes_after_it(tree):
    project = tree.projects["210881"]
    project.approved_on = date(2022, 3, 1)
    project.tendered_on = date(2022, 2, 1)
    project.status = ProjectStatus.TENDERED
    assert "招标(询价)日期不能早于审批日期" in messages_of(project)
    refused_by_database(project)
    project.approved_on = None
    assert "填写招标(询价)日期前须先填写审批日期" in messages_of(project)
    refused_by_database(project)


def test_construction_steps_are_not_equipment_steps(tree):
    project = tree.projects["210881"]
    project.approved_on = project.tendered_on = project.contracted_on = date(2022, 3, 1)
    project.delivered_on = date(2022, 5, 1)
    project.status = ProjectStatus.DELIVERED
    assert "只有设备购置 / 信息化项目有到货安装日期" in messages_of(project)
    refused_by_database(project)


def test_status_follows_the_last_dated_step(tree):
    project = tree.projects["210881"]
    assert project.status_from_dates() == ProjectStatus.PLANNED
    project.approved_on = project.tendered_on = project.contracted_on = date(2022, 3, 1)
    project.started_on = date(2022, 4, 1)
    assert project.status_from_dates() == ProjectStatus.STARTED
    project.status = project.status_from_dates()
    project.full_clean()
    project.save()
    equipment = ProjectFactory.equipment(school=project.school, category=ProjectCategory.IT)
    equipment.approved_on = equipment.tendered_on = equipment.contracted_on = date(2022, 3, 1)
    equipment.delivered_on = equipment.accepted_on = date(2022, 6, 1)
    assert equipment.status_from_dates() == ProjectStatus.ACCEPTED


def test_equipment_line_units_fit_their_category(tree):
    line = EquipmentLineFactory.build(
        project=tree.projects["210881"], category="books", unit=Unit.SET
    )
    assert "图书按册" in messages_of(line)
    refused_by_database(line)
    line.unit = Unit.VOLUME
    line.full_clean()


def test_equipment_line_quantity_above_zero(tree):
    line = EquipmentLineFactory.build(project=tree.projects["210881"], quantity=Decimal("0"))
    assert "数量必须大于零" in messages_of(line)
    refused_by_database(line)


def test_project_codes_are_unique(tree):
    twin = ProjectFactory.build(code=tree.projects["210881"].code, school=tree.schools["210881"])
    assert "已有项目使用此项目编号" in messages_of(twin)
    refused_by_database(twin)
    assert Project.objects.count() == 3
