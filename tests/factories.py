"""factory_boy factories for the whole suite."""

from decimal import Decimal

import factory

from gaibo.choices import Role
from gaibo.models import User
from projects.choices import (
    ConstructionKind,
    DistrictLevel,
    EquipmentCategory,
    Programme,
    ProjectCategory,
    SchoolLocation,
    SchoolType,
    Unit,
    WorkType,
)
from projects.models import District, EquipmentLine, Project, School

PASSWORD = "test-password-1"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{210000 + n:06d}")
    name = factory.Sequence(lambda n: f"区县{n}")
    level = DistrictLevel.COUNTY


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    code = factory.Sequence(lambda n: f"{2100000000 + n:010d}")
    name = factory.Sequence(lambda n: f"第{n}小学")
    county = factory.SubFactory(DistrictFactory)
    school_type = SchoolType.PRIMARY
    location = SchoolLocation.TOWN
    pupils = 450
    classes = 12


class ProjectFactory(factory.django.DjangoModelFactory):
    """A construction project, planned; pass category=... for others (see equipment())."""

    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"P-{n:05d}")
    name = factory.Sequence(lambda n: f"教学楼新建工程{n}")
    school = factory.SubFactory(SchoolFactory)
    programme = Programme.CAPACITY
    category = ProjectCategory.CONSTRUCTION
    construction_kind = ConstructionKind.TEACHING
    work_type = WorkType.NEW
    plan_year = 2022
    planned_area = Decimal("1200.00")
    planned_amount = Decimal("3600000.00")

    @classmethod
    def equipment(cls, **kwargs):
        kwargs.setdefault("name", "计算机教室设备购置")
        kwargs.setdefault("category", ProjectCategory.EQUIPMENT)
        return cls(
            construction_kind="",
            work_type="",
            planned_area=None,
            planned_amount=kwargs.pop("planned_amount", Decimal("500000.00")),
            **kwargs,
        )


class EquipmentLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EquipmentLine

    project = factory.SubFactory(ProjectFactory)
    category = EquipmentCategory.COMPUTERS
    item = "学生计算机"
    unit = Unit.SET
    quantity = Decimal("50")
    amount = Decimal("250000.00")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.COUNTY_EDUCATION
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()
