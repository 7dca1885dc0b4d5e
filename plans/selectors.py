"""Reads of plans: the automatic review flags, the baseline of approved projects, the public
list. Every read goes through the access rule, or (the public list) through approval."""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from funding.choices import FundLevel
from funding.models import Allocation
from gaibo.money import ZERO, wan_text
from plans import baseline
from plans.access import can_compile
from plans.choices import SOURCE_FIELDS, ChangeState, FlagSeverity, PlanState
from plans.models import ChangeRequest, Plan, PlanItem
from projects.baseline import Baseline
from projects.choices import BUILDING_KINDS, PROGRAMME_YEARS, Programme, ProjectCategory
from projects.models import District, Project

# Words that mark content the city's instruction forbids in a plan (五、建设内容), each with
# the plain explanation shown to the county. Matched in the item's name and content.
FORBIDDEN_CONTENT = (
    ("办公楼", "office"),
    ("礼堂", "auditorium"),
    ("豪华", "luxury"),
    ("平台维护", "maintenance"),
    ("日常维护", "maintenance"),
    ("运维", "maintenance"),
    ("行政管理", "admin_software"),
    ("管理软件", "admin_software"),
    ("办公系统", "admin_software"),
    ("OA系统", "admin_software"),
    ("行政楼", "office"),
    ("办公用房", "office"),
    ("管理系统", "admin_software"),
    ("管理平台", "admin_software"),
)
# What identifies a person in free text: a mobile or fixed-line number, an ID card number.
PERSONAL_NUMBERS = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{17}[\dXx])(?!\d)")


def public_text(text: str) -> str:
    """Free text as the public pages show it: phone and ID card numbers hidden (a clerk may
    have typed a contact into a contractor's name or a project's content)."""
    return PERSONAL_NUMBERS.sub("***", text or "")


# Parts of a school the programmes do not fund, named in a project's name or content.
INELIGIBLE_SECTIONS = ("高中部", "幼儿园", "附属幼儿园", "学前班")


def _forbidden_message(kind: str, word: str) -> str:
    messages = {
        "office": _("“%(word)s”: office buildings may not be put in the plan."),
        "auditorium": _("“%(word)s”: auditoriums may not be put in the plan."),
        "luxury": _(
            "“%(word)s”: building beyond the basic conditions of a school may not be put in "
            "the plan."
        ),
        "maintenance": _(
            "“%(word)s”: the daily maintenance of teaching platforms may not be put in the plan."
        ),
        "admin_software": _(
            "“%(word)s”: school administration platforms and software may not be put in the plan."
        ),
    }
    return messages[kind] % {"word": word}


def content_problems(text: str) -> list[tuple[str, str]]:
    """(flag code, message) of what a project's name or content may not hold: content the
    city's instruction forbids, a school section the programmes do not fund. The review flags
    them on each item; a change request of scope is refused for them."""
    problems = [
        ("forbidden", _forbidden_message(kind, word))
        for word, kind in FORBIDDEN_CONTENT
        if word.lower() in text.lower()
    ]
    for section in INELIGIBLE_SECTIONS:
        if section in text:
            problems.append(
                (
                    "ineligible_school",
                    _(
                        "“%(word)s”: the programmes fund compulsory education only, not a "
                        "school's high-school section or kindergarten."
                    )
                    % {"word": section},
                )
            )
            break
    return problems


@dataclass
class Flag:
    code: str
    severity: str
    message: str

    @property
    def blocking(self) -> bool:
        return self.severity == FlagSeverity.BLOCKING

    @property
    def label(self) -> str:
        return str(FlagSeverity(self.severity).label)


@dataclass
class PlanReview:
    """The automatic review of a plan: flags of each item and of the plan as a whole."""

    items: dict = field(default_factory=lambda: defaultdict(list))  # item pk → [Flag]
    plan: list = field(default_factory=list)  # [Flag]
    sources: list = field(default_factory=list)  # plan_sources(): asked and allocated

    def all(self) -> list:
        return [flag for flags in self.items.values() for flag in flags] + self.plan

    @property
    def blocking(self) -> int:
        return sum(flag.blocking for flag in self.all())

    @property
    def warnings(self) -> int:
        return sum(not flag.blocking for flag in self.all())


def _content_key(record) -> tuple:
    """What counts as "the same content" at one school, for a plan item or a project: the
    building kind and the work type of a construction project (a new dormitory and the
    renovation of the old one are two contents); the name of an equipment or IT project."""
    if record.category == ProjectCategory.CONSTRUCTION:
        return (record.school_id, record.category, record.construction_kind, record.work_type)
    return (record.school_id, record.category, "".join(record.name.split()))


def _twin_key(record) -> tuple:
    """What counts as planned twice: the same content at one school (`_content_key`), for
    equipment and IT in the same plan year too (they are finished within it, and a school
    buys books again another year)."""
    key = _content_key(record)
    return key if record.category == ProjectCategory.CONSTRUCTION else (*key, record.plan_year)


def _name_key(record) -> str:
    return "".join(record.name.split())


def _content_label(record) -> str:
    """The content of `_content_key` in words: 学生宿舍·新建, or the project's name."""
    if record.category == ProjectCategory.CONSTRUCTION:
        return f"{record.get_construction_kind_display()}·{record.get_work_type_display()}"
    return record.name


def plan_review(plan: Plan, items=None) -> PlanReview:
    """Check every item of the plan against the rules of the city's instruction.

    A fixed number of queries whatever the size of the plan: the items with their schools,
    the other plans' items and the projects at the same schools, the county's tranches.
    """
    if items is None:
        items = list(plan_items(plan))
    review = PlanReview()
    add = review.items.__getitem__
    blocking, warning = FlagSeverity.BLOCKING, FlagSeverity.WARNING
    programme_end = PROGRAMME_YEARS[plan.programme][1]
    register = _register_at_schools(items)
    in_programme = [project for project in register if project.programme == plan.programme]
    planned = _planned_contents(plan, items, in_programme)
    # The same content already funded by another programme.
    funded = defaultdict(list)
    for project in register:
        if project.programme != plan.programme:
            funded[_content_key(project)].append(
                f"{project.code} {project.name}（{project.get_programme_display()}）"
            )

    codes = defaultdict(set)
    for item in items:
        codes[item.code].add(item.pk)

    for item in items:
        flags = add(item.pk)
        for code, message in content_problems(f"{item.name} {item.content}"):
            flags.append(Flag(code, blocking, message))
        for problem in item.school.eligibility_problems():
            flags.append(
                Flag(
                    "ineligible_school",
                    blocking,
                    _("%(school)s is not eligible: %(problem)s")
                    % {"school": item.school.name, "problem": problem},
                )
            )
        # An annual plan repeats the five-year plan's projects under the same codes.
        twins = [twin for code, twin in planned[_twin_key(item)].items() if code != item.code]
        same = [label for label, name in twins if name == _name_key(item)]
        alike = [label for label, name in twins if name != _name_key(item)]
        if same:
            flags.append(
                Flag(
                    "planned_twice",
                    blocking,
                    _("%(content)s at %(school)s is already planned: %(others)s.")
                    % {
                        "content": _content_label(item),
                        "school": item.school.name,
                        "others": "; ".join(same),
                    },
                )
            )
        if alike:
            # Two buildings of one kind at a school (the renovation of two teaching
            # buildings) may well be two projects: the reviewers are asked to look.
            flags.append(
                Flag(
                    "planned_alike",
                    warning,
                    _(
                        "%(content)s at %(school)s is also planned as %(others)s: make sure "
                        "they are different buildings."
                    )
                    % {
                        "content": _content_label(item),
                        "school": item.school.name,
                        "others": "; ".join(alike),
                    },
                )
            )
        key = _content_key(item)
        if funded[key]:
            flags.append(
                Flag(
                    "funded_before",
                    warning,
                    _(
                        "Already funded by another programme: %(projects)s. Say why it is "
                        "needed again."
                    )
                    % {"projects": "; ".join(funded[key])},
                )
            )
        if item.category != ProjectCategory.CONSTRUCTION and item.end_year != item.plan_year:
            flags.append(
                Flag(
                    "beyond_year",
                    blocking,
                    _(
                        "Equipment and IT projects are finished within their plan year "
                        "(%(year)s); this one runs to %(end)s."
                    )
                    % {"year": item.plan_year, "end": item.end_year},
                )
            )
        if item.category == ProjectCategory.CONSTRUCTION and item.end_year > programme_end:
            flags.append(
                Flag(
                    "after_programme",
                    blocking,
                    _(
                        "All construction is finished by %(last)s, the programme's last year; "
                        "this one ends in %(end)s."
                    )
                    % {"last": programme_end, "end": item.end_year},
                )
            )
        total = item.funds_total
        if not total:
            flags.append(
                Flag(
                    "no_funding",
                    blocking,
                    _("No fund source is given: say how much comes from each source."),
                )
            )
        elif total != item.planned_amount:
            flags.append(
                Flag(
                    "funding_mismatch",
                    blocking,
                    _(
                        "The fund sources add up to %(sources)s, not the planned amount "
                        "%(amount)s (10,000 yuan): leave no funding gap."
                    )
                    % {"sources": wan_text(total), "amount": wan_text(item.planned_amount)},
                )
            )
        if len(codes[item.code]) > 1:
            flags.append(Flag("code_twice", blocking, _("Two items have this project code.")))

    for pk, flag in _area_flags(items, in_programme):
        add(pk).append(flag)
    review.sources = plan_sources(plan, items)
    for row in review.sources:
        if row["allocated"] is not None and row["asked"] > row["allocated"]:
            review.plan.append(
                Flag(
                    "over_allocation",
                    warning,
                    _(
                        "The plan asks %(asked)s (10,000 yuan) of %(source)s funds, above the "
                        "%(allocated)s of %(source)s funds allocated to the county for %(years)s."
                    )
                    % {
                        "source": row["label"],
                        "asked": wan_text(row["asked"]),
                        "allocated": wan_text(row["allocated"]),
                        "years": plan.years,
                    },
                )
            )
    _baseline_flags(plan, items, review)
    return review


def _baseline_flags(plan: Plan, items, review: PlanReview) -> None:
    """What the province's approval would refuse, flagged while the county compiles: a code
    of another county's project, a project approved before with other figures (a change
    request's business), a project the register would not accept (plans.baseline)."""
    for pk, problems in baseline.problems(plan, items).items():
        review.items[pk] += [Flag(code, FlagSeverity.BLOCKING, text) for code, text in problems]


def _register_at_schools(items) -> list[Project]:
    """The register's projects at the items' schools, but not the items' own projects (an
    approved item is its project; an annual plan repeats it under the same code)."""
    own_codes = {item.code for item in items}
    own_pks = {item.project_id for item in items if item.project_id}
    return [
        project
        for project in Project.objects.filter(
            school_id__in={item.school_id for item in items}
        ).order_by("code")
        if project.code not in own_codes and project.pk not in own_pks
    ]


def _planned_contents(plan: Plan, items, in_programme) -> dict:
    """Each content at each school, as planned in this plan, in another plan of the programme
    or already in the register under the programme: {twin key: {project code: (label, name
    key)}}."""
    planned = defaultdict(dict)
    for item in items:
        planned[_twin_key(item)].setdefault(
            item.code, (f"{item.code} {item.name}", _name_key(item))
        )
    others = (
        PlanItem.objects.filter(
            school_id__in={item.school_id for item in items}, plan__programme=plan.programme
        )
        .exclude(plan=plan)
        .select_related("plan")
        .order_by("code", "pk")
    )
    for other in others:
        planned[_twin_key(other)].setdefault(
            other.code,
            (
                _("%(project)s, in “%(plan)s”")
                % {"project": f"{other.code} {other.name}", "plan": other.plan},
                _name_key(other),
            ),
        )
    for project in in_programme:
        planned[_twin_key(project)].setdefault(
            project.code,
            (
                _("%(project)s, a project in the register")
                % {"project": f"{project.code} {project.name}"},
                _name_key(project),
            ),
        )
    return planned


def _area_flags(items, in_programme):
    """(item pk, flag) for every building item of a school whose building floor area, summed
    over the plan and the school's projects of the programme in the register, is above the
    standard per pupil. Sports grounds, walls and greening are not buildings and not counted."""
    limit = Decimal(settings.GAIBO_PLAN_AREA_PER_PUPIL)
    buildings = defaultdict(list)  # school → [(label, area)] of the items, then the register
    contributing = defaultdict(list)  # school → its building items in the plan
    for item in items:
        if _is_building(item):
            contributing[item.school_id].append(item)
            buildings[item.school_id].append((item.code, item.planned_area))
    for project in in_programme:
        if _is_building(project) and project.school_id in contributing:
            buildings[project.school_id].append(
                (_("%(code)s in the register") % {"code": project.code}, project.planned_area)
            )
    for school_id, school_items in contributing.items():
        school = school_items[0].school
        area = sum((area for _label, area in buildings[school_id]), ZERO)
        if not school.pupils:
            flag = Flag(
                "over_standard",
                FlagSeverity.WARNING,
                _(
                    "The school has no pupils recorded: the floor area cannot be "
                    "checked against the standard."
                ),
            )
        elif area / school.pupils > limit:
            flag = Flag(
                "over_standard",
                FlagSeverity.WARNING,
                _(
                    "The buildings planned at %(school)s add up to %(area)s m² (%(parts)s) for "
                    "%(pupils)s pupils: %(ratio)s m² per pupil, above the standard of "
                    "%(limit)s m² per pupil. Sports grounds, walls and greening are not counted."
                )
                % {
                    "school": school.name,
                    "area": f"{area:,.0f}",
                    "parts": _("; ").join(
                        _("%(project)s %(area)s m²") % {"project": label, "area": f"{value:,.0f}"}
                        for label, value in buildings[school_id]
                    ),
                    "pupils": school.pupils,
                    "ratio": f"{area / school.pupils:.1f}",
                    "limit": f"{limit:g}",
                },
            )
        else:
            continue
        for item in school_items:
            yield item.pk, flag


def _is_building(record) -> bool:
    """A construction project whose floor area is building floor area (校舍)."""
    return (
        record.category == ProjectCategory.CONSTRUCTION
        and record.construction_kind in BUILDING_KINDS
        and bool(record.planned_area)
    )


def county_allocations(plan: Plan) -> dict:
    """What the county was allocated for the plan's years, by fund source: the tranches it
    received. A source with no tranche is not in the dict."""
    rows = (
        Allocation.objects.filter(
            recipient_id=plan.county_id,
            year__gte=plan.first_year,
            year__lte=plan.last_year,
        )
        .values("source")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["source"]: row["total"] for row in rows}


def plan_sources(plan: Plan, items) -> list[dict]:
    """For each fund source the plan asks money of or the county was allocated: its label,
    what the plan's items ask of it, and what the county was allocated of it for the plan's
    years (None when no tranche of the source is recorded)."""
    allocated = county_allocations(plan)
    rows = []
    for source, field_name in SOURCE_FIELDS.items():
        asked = sum((getattr(item, field_name) or ZERO for item in items), ZERO)
        if asked or source in allocated:
            rows.append(
                {
                    "source": source,
                    "label": str(FundLevel(source).label),
                    "asked": asked,
                    "allocated": allocated.get(source),
                }
            )
    return rows


def plans_visible_to(*, user):
    zero = Decimal(0)
    return (
        Plan.objects.visible_to(user)
        .select_related("county")
        .annotate(
            item_count=Count("items"),
            total=Coalesce(Sum("items__planned_amount"), zero, output_field=DecimalField()),
        )
    )


def plan_items(plan: Plan):
    return (
        plan.items.select_related("school", "school__county", "project")
        .prefetch_related("lines")
        .order_by("plan_year", "code")
    )


def plan_totals(items) -> dict:
    return {
        "count": len(items),
        "amount": sum((item.planned_amount for item in items), ZERO),
        "area": sum(
            (item.planned_area or ZERO for item in items),
            ZERO,
        ),
    }


def plan_events(plan: Plan):
    return plan.events.select_related("actor").prefetch_related("comments")


def comments_by_item(plan: Plan) -> dict:
    """The reviewers' comments on each item, oldest first: {item pk: [(event, comment)]};
    those on items the county has removed since under None (the comment keeps their code and
    name)."""
    comments = defaultdict(list)
    for event in plan_events(plan):
        for comment in event.comments.all():
            comments[comment.item_id].append((event, comment))
    return comments


def counties_for_plans(*, user):
    return District.objects.visible_to(user).filter(level="county").order_by("code")


# Baseline ---------------------------------------------------------------------------------


def approved_items():
    return PlanItem.objects.filter(plan__state=PlanState.APPROVED)


def baseline_item(project_id) -> PlanItem | None:
    """The item of a province-approved plan that is the project's baseline (the latest)."""
    if project_id is None:
        return None
    return (
        approved_items()
        .filter(project_id=project_id)
        .select_related("plan")
        .order_by("-plan__first_year", "-pk")
        .first()
    )


def is_baselined(project_id) -> bool:
    return project_id is not None and approved_items().filter(project_id=project_id).exists()


def project_baseline(project_id, *, user) -> Baseline | None:
    """The project's baseline as its pages show it (projects.baseline asks for it)."""
    item = baseline_item(project_id)
    if item is None:
        return None
    return Baseline(
        plan_title=item.plan.title,
        end_year=item.end_year,
        change_url=reverse("plans:change_create", args=[project_id]),
        may_request_change=can_compile(user),
        changes=list(change_requests_of(project=project_id, user=user)),
    )


def change_requests_visible_to(*, user):
    return ChangeRequest.objects.visible_to(user).select_related(
        "project", "project__school", "project__school__county", "requested_by", "decided_by"
    )


def change_requests_of(*, project, user):
    return change_requests_visible_to(user=user).filter(project=project)


def pending_change(project) -> ChangeRequest | None:
    return project.change_requests.filter(state=ChangeState.PENDING).first()


# Public disclosure (信息公开) ---------------------------------------------------------------

# The facts of a project disclosed to the public (the city's instruction, 六(五)): nothing
# else is read for the public pages and files, so nothing else can leak into them.
PUBLIC_FIELDS = (
    "code",
    "name",
    "school__name",
    "school__county__name",
    "school__county__code",
    "programme",
    "category",
    "construction_kind",
    "work_type",
    "content",
    "plan_year",
    "planned_area",
    "planned_amount",
    "contractor",
    "supervisor",
    "tender_method",
    "bid_price",
    "status",
)


def public_projects(*, county_code: str = "", school: str = ""):
    """Projects of province-approved plans, with only the disclosed facts (as dicts)."""
    projects = Project.objects.filter(
        Exists(approved_items().filter(project=OuterRef("pk")))
    ).order_by("school__county__code", "code")
    if county_code:
        projects = projects.filter(school__county__code=county_code)
    if school:
        projects = projects.filter(
            Q(school__name__icontains=school) | Q(school__code=school.strip())
        )
    return projects.values(*PUBLIC_FIELDS)


def public_counties():
    """The counties with a province-approved plan, for the public search."""
    return (
        District.objects.filter(plans__state=PlanState.APPROVED)
        .distinct()
        .order_by("code")
        .values("code", "name")
    )


def programme_label(value) -> str:
    return str(Programme(value).label)
