"""Choices of the projects app, named after ../shared/DOMAIN.md."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DistrictLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class SchoolType(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior middle school")
    NINE_YEAR = "nine_year", _("Nine-year school")
    TWELVE_YEAR = "twelve_year", _("Twelve-year school (compulsory part)")
    COMPLETE_MIDDLE = "complete_middle", _("Complete middle school (junior part)")
    SPECIAL = "special", _("Special-education school")
    HIGH = "high", _("Senior high school")
    KINDERGARTEN = "kindergarten", _("Kindergarten")


# School types whose compulsory-education part the programmes may fund.
COMPULSORY_SCHOOL_TYPES = frozenset(
    {
        SchoolType.PRIMARY,
        SchoolType.JUNIOR,
        SchoolType.NINE_YEAR,
        SchoolType.TWELVE_YEAR,
        SchoolType.COMPLETE_MIDDLE,
        SchoolType.SPECIAL,
    }
)


class SchoolLocation(models.TextChoices):
    URBAN = "urban", _("Urban area")
    TOWN = "town", _("Town area")
    RURAL = "rural", _("Rural area")


class Programme(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("Comprehensive improvement of weak schools (2014-2018)")
    CAPACITY = "capacity", _("Weak-link improvement and capacity building (2021-2025)")


# The plan years each programme runs through.
PROGRAMME_YEARS = {
    Programme.COMPREHENSIVE: (2014, 2018),
    Programme.CAPACITY: (2021, 2025),
}


class ProjectCategory(models.TextChoices):
    CONSTRUCTION = "construction", _("School building construction")
    EQUIPMENT = "equipment", _("Equipment purchase")
    IT = "it", _("Information technology")


# The categories whose planned amount counts as equipment (设备购置 with its IT).
EQUIPMENT_CATEGORIES = (ProjectCategory.EQUIPMENT, ProjectCategory.IT)


class ConstructionKind(models.TextChoices):
    TEACHING = "teaching", _("Teaching and auxiliary rooms")
    DORMITORY = "dormitory", _("Student dormitory")
    TEACHER_HOUSING = "teacher_housing", _("Teacher turnover housing")
    CANTEEN = "canteen", _("Canteen")
    BATHHOUSE = "bathhouse", _("Bathhouse")
    TOILET = "toilet", _("Toilet")
    BOILER = "boiler", _("Boiler room")
    SPORTS = "sports", _("Sports ground or hall")
    ENCLOSURE = "enclosure", _("Wall, gate or retaining slope")
    CAMPUS = "campus", _("Campus culture, greening and paving")


# The kinds of construction that are buildings (校舍): their floor area is what a school's
# area per pupil counts. Sports grounds and halls, walls and gates, greening and paving are not.
BUILDING_KINDS = frozenset(
    {
        ConstructionKind.TEACHING,
        ConstructionKind.DORMITORY,
        ConstructionKind.TEACHER_HOUSING,
        ConstructionKind.CANTEEN,
        ConstructionKind.BATHHOUSE,
        ConstructionKind.TOILET,
        ConstructionKind.BOILER,
    }
)


class WorkType(models.TextChoices):
    NEW = "new", _("New building")
    EXTENSION = "extension", _("Rebuilding or extension")
    RENOVATION = "renovation", _("Repair and renovation")


class TenderMethod(models.TextChoices):
    OPEN = "open", _("Open tender")
    INVITED = "invited", _("Invited tender")
    NEGOTIATION = "negotiation", _("Competitive negotiation")
    CONSULTATION = "consultation", _("Competitive consultation")
    INQUIRY = "inquiry", _("Price inquiry")
    SINGLE_SOURCE = "single_source", _("Single source")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    APPROVED = "approved", _("Approved")
    TENDERED = "tendered", _("Tendered")
    CONTRACTED = "contracted", _("Contracted")
    STARTED = "started", _("Started")
    COMPLETED = "completed", _("Completed")
    DELIVERED = "delivered", _("Delivered and installed")
    ACCEPTED = "accepted", _("Accepted")
    AUDITED = "audited", _("Final accounts audited")
    IN_USE = "in_use", _("In use")


# The lifecycle of each category: its steps in order, each with the field holding its date
# (基本建设程序 for construction; procurement for equipment and IT). A project's status is the
# last step that has a date.
LIFECYCLE_STEPS = {
    ProjectCategory.CONSTRUCTION: (
        (ProjectStatus.APPROVED, "approved_on"),
        (ProjectStatus.TENDERED, "tendered_on"),
        (ProjectStatus.CONTRACTED, "contracted_on"),
        (ProjectStatus.STARTED, "started_on"),
        (ProjectStatus.COMPLETED, "completed_on"),
        (ProjectStatus.ACCEPTED, "accepted_on"),
        (ProjectStatus.AUDITED, "audited_on"),
        (ProjectStatus.IN_USE, "in_use_on"),
    ),
    ProjectCategory.EQUIPMENT: (
        (ProjectStatus.APPROVED, "approved_on"),
        (ProjectStatus.TENDERED, "tendered_on"),
        (ProjectStatus.CONTRACTED, "contracted_on"),
        (ProjectStatus.DELIVERED, "delivered_on"),
        (ProjectStatus.ACCEPTED, "accepted_on"),
    ),
}
LIFECYCLE_STEPS[ProjectCategory.IT] = LIFECYCLE_STEPS[ProjectCategory.EQUIPMENT]

STEP_DATE_FIELDS = tuple(
    dict.fromkeys(field for steps in LIFECYCLE_STEPS.values() for _status, field in steps)
)


class EquipmentCategory(models.TextChoices):
    COMPUTERS = "computers", _("Computers and teaching instruments")
    BOOKS = "books", _("Books")
    DESKS = "desks", _("Desks and chairs")
    LIVING = "living", _("Living facilities")
    ARTS_SPORTS = "arts_sports", _("Music, sports and art equipment")
    DIGITAL = "digital", _("Digital education resources")


class Unit(models.TextChoices):
    UNIT = "unit", _("unit (台)")
    PIECE = "piece", _("piece (件)")
    SET = "set", _("set (套)")
    VOLUME = "volume", _("volume (册)")
    GIGABYTE = "gb", _("GB")


# The units each reporting category is counted in, as the monthly table counts them.
CATEGORY_UNITS = {
    EquipmentCategory.COMPUTERS: (Unit.UNIT, Unit.PIECE, Unit.SET),
    EquipmentCategory.BOOKS: (Unit.VOLUME,),
    EquipmentCategory.DESKS: (Unit.SET,),
    EquipmentCategory.LIVING: (Unit.UNIT, Unit.PIECE, Unit.SET),
    EquipmentCategory.ARTS_SPORTS: (Unit.UNIT, Unit.PIECE, Unit.SET),
    EquipmentCategory.DIGITAL: (Unit.GIGABYTE,),
}
