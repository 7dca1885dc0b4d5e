"""Plans: the automatic flags, the review steps, the baseline and change requests."""

import importlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from funding.choices import FundLevel
from funding.models import Allocation, FundingPlanLine
from funding.services import funding_plan_save
from plans import selectors, services
from plans.choices import ChangeKind, ChangeState, PlanAction, PlanKind, PlanState
from plans.models import ChangeRequest, Plan, PlanComment, PlanEvent, PlanItem, PlanItemLine
from projects.choices import ConstructionKind, Programme, ProjectCategory
from projects.models import Project
from projects.services import project_save
from tests.factories import ProjectFactory, SchoolFactory
from tests.plans.conftest import approve_all, make_item

pytestmark = pytest.mark.django_db


def codes(review, item):
    return [flag.code for flag in review.items[item.pk]]


def test_a_good_plan_has_no_flags(plan):
    review = selectors.plan_review(plan)
    assert review.blocking == 0 and review.warnings == 0


def test_forbidden_content_and_ineligible_school_are_flagged_in_chinese(
    plan, users, kindergarten, tree
):
    office = make_item(
        plan,
        users.gaizhou,
        school=SchoolFactory(county=tree.gaizhou),  # no teaching building in the register
        code="GZ-9",
        name="综合办公楼新建",
        construction_kind="teaching",
    )
    nursery = make_item(plan, users.gaizhou, school=kindergarten, code="GZ-10", name="食堂改造")
    review = selectors.plan_review(plan)
    assert codes(review, office) == ["forbidden"]
    assert codes(review, nursery) == ["ineligible_school"]
    from django.utils import translation

    with translation.override("zh-hans"):
        review = selectors.plan_review(plan)
        assert "办公楼" in review.items[office.pk][0].message
        assert "不得列入项目规划" in review.items[office.pk][0].message
        assert "盖州市实验幼儿园" in review.items[nursery.pk][0].message
    assert review.blocking == 2


def test_each_rule_is_flagged_on_its_project(plan, users, tree, settings):
    settings.GAIBO_PLAN_AREA_PER_PUPIL = Decimal("2")
    school = tree.schools["210881"]
    private = SchoolFactory(county=tree.gaizhou, is_public=False)
    outside_layout = SchoolFactory(county=tree.gaizhou, in_layout_plan=False)
    twice = make_item(plan, users.gaizhou, school=school, code="GZ-11")  # another dormitory
    spread = make_item(
        plan,
        users.gaizhou,
        school=school,
        code="GZ-12",
        name="多媒体设备",
        category=ProjectCategory.IT,
        planned_amount=Decimal("100000.00"),
        plan_year=2023,
        end_year=2024,
    )
    late = make_item(plan, users.gaizhou, school=private, code="GZ-13", end_year=2026)
    unfunded = make_item(
        plan, users.gaizhou, school=outside_layout, code="GZ-14", fund_central=0, fund_county=0
    )
    short = make_item(
        plan,
        users.gaizhou,
        school=school,
        code="GZ-15",
        name="图书",
        category="equipment",
        planned_amount=Decimal("90000.00"),
        fund_central=Decimal("10000"),
        fund_county=0,
    )
    review = selectors.plan_review(plan)
    assert "planned_twice" in codes(review, twice)
    assert "beyond_year" in codes(review, spread)
    assert {"after_programme", "ineligible_school"} <= set(codes(review, late))
    assert {"no_funding", "ineligible_school"} <= set(codes(review, unfunded))
    assert "funding_mismatch" in codes(review, short)
    # 1,200 m² for 450 pupils is 2.7 m² per pupil, above 2.
    assert "over_standard" in codes(review, twice)


def test_funded_by_another_programme_and_over_allocation_are_warnings(plan, users, tree):
    school = tree.schools["210881"]
    ProjectFactory(
        school=school,
        programme=Programme.COMPREHENSIVE,
        plan_year=2016,
        construction_kind="dormitory",
        name="学生宿舍",
    )
    Allocation.objects.create(
        source=FundLevel.CENTRAL,
        document_number="辽财〔2021〕1号",
        issued_on="2021-05-01",
        year=2021,
        recipient=tree.gaizhou,
        amount=Decimal("1000000.00"),
    )
    review = selectors.plan_review(plan)
    dormitory = plan.items.get(code="GZ-2022-01")
    assert codes(review, dormitory) == ["funded_before"]
    assert [flag.code for flag in review.plan] == ["over_allocation"]
    assert review.blocking == 0 and review.warnings == 2
    # Warnings do not stop the county from submitting.
    services.plan_submit(plan=plan, acting_user=users.gaizhou)


def test_an_annual_plan_repeats_the_five_year_plans_projects_without_a_flag(plan, users, tree):
    annual = services.plan_create(
        plan=Plan(county=tree.gaizhou, kind=PlanKind.ANNUAL, first_year=2022, title="2022年度计划"),
        acting_user=users.gaizhou,
    )
    same = make_item(annual, users.gaizhou, school=tree.schools["210881"])
    assert codes(selectors.plan_review(annual), same) == []
    other = make_item(annual, users.gaizhou, school=tree.schools["210881"], code="GZ-2022-99")
    review = selectors.plan_review(annual)
    assert codes(review, other) == ["planned_twice"]


def test_a_new_building_and_the_renovation_of_an_old_one_are_not_planned_twice(plan, users, tree):
    # The fixture plans a new dormitory at 盖州市实验小学; the old one is renovated too.
    renovation = make_item(
        plan,
        users.gaizhou,
        school=tree.schools["210881"],
        code="GZ-2022-02",
        name="旧宿舍维修改造",
        work_type="renovation",
    )
    review = selectors.plan_review(plan)
    assert codes(review, renovation) == []
    assert codes(review, plan.items.get(code="GZ-2022-01")) == []
    services.plan_submit(plan=plan, acting_user=users.gaizhou)
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED


def test_a_project_of_the_programme_in_the_register_is_the_same_content_planned_twice(
    plan, users, tree
):
    # The register already holds 盖州市实验小学's new teaching building (capacity programme).
    existing = tree.projects["210881"]
    again = make_item(
        plan,
        users.gaizhou,
        school=tree.schools["210881"],
        code="GZ-2024-01",
        name=f" {existing.name} ",
        construction_kind="teaching",
        plan_year=2024,
    )
    with translation.override("zh-hans"):
        review = selectors.plan_review(plan)
    assert codes(review, again) == ["planned_twice"]
    message = review.items[again.pk][0].message
    assert "盖州市实验小学的同一内容（教学及辅助用房·新建）已列入" in message
    assert f"{existing.code} {existing.name}（项目库已有项目）" in message
    with pytest.raises(ValidationError, match="1个问题须先整改"):
        services.plan_submit(plan=plan, acting_user=users.gaizhou)
    # Its renovation, or the same building at another programme's school, is not the same.
    again.work_type = "renovation"
    services.plan_item_save(item=again, acting_user=users.gaizhou)
    assert codes(selectors.plan_review(plan), again) == []


def test_another_building_of_the_same_kind_is_a_warning_for_the_reviewers(plan, users, tree):
    """A second new teaching building at the school, under another name, may be a second
    building: the reviewers are asked to look, and the county may submit."""
    second = make_item(
        plan,
        users.gaizhou,
        school=tree.schools["210881"],
        code="GZ-2024-01",
        name="综合实验楼新建工程",
        construction_kind="teaching",
        plan_year=2024,
    )
    review = selectors.plan_review(plan)
    assert codes(review, second) == ["planned_alike"]
    [message] = flag_messages(plan, second)
    assert "盖州市实验小学教学楼新建工程" in message and "不同的建筑" in message
    services.plan_submit(plan=plan, acting_user=users.gaizhou)
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED


def test_equipment_bought_again_another_year_is_not_planned_twice(plan, users, tree):
    books = [
        make_item(
            plan,
            users.gaizhou,
            school=tree.schools["210881"],
            code=f"GZ-{year}-B{number}",
            name="图书购置",
            category=ProjectCategory.EQUIPMENT,
            planned_amount=Decimal("100000.00"),
            plan_year=year,
        )
        for number, year in enumerate((2022, 2024, 2024))
    ]
    review = selectors.plan_review(plan)
    assert codes(review, books[0]) == []
    assert codes(review, books[1]) == codes(review, books[2]) == ["planned_twice"]


def test_an_item_of_another_plan_is_named_with_its_plan(plan, users, tree):
    annual = services.plan_create(
        plan=Plan(county=tree.gaizhou, kind=PlanKind.ANNUAL, first_year=2022, title="2022年度计划"),
        acting_user=users.gaizhou,
    )
    other = make_item(annual, users.gaizhou, school=tree.schools["210881"], code="GZ-2022-99")
    with translation.override("zh-hans"):
        message = selectors.plan_review(annual).items[other.pk][0].message
    assert "GZ-2022-01 学生宿舍新建工程（见“盖州市能力提升规划”）" in message


def test_an_approved_project_repeated_by_the_annual_plan_is_not_planned_twice(plan, users, tree):
    approve_all(plan, users)
    annual = services.plan_create(
        plan=Plan(county=tree.gaizhou, kind=PlanKind.ANNUAL, first_year=2022, title="2022年度计划"),
        acting_user=users.gaizhou,
    )
    same = make_item(annual, users.gaizhou, school=tree.schools["210881"])
    assert Project.objects.filter(code=same.code).exists()
    assert codes(selectors.plan_review(annual), same) == []


def _tranche(tree, source, amount, number):
    return Allocation.objects.create(
        source=source,
        document_number=f"营财教〔2022〕{number}号",
        issued_on="2022-03-15",
        year=2022,
        recipient=tree.gaizhou,
        amount=Decimal(amount),
    )


def test_over_allocation_is_compared_source_by_source(plan, users, tree):
    # The plan asks 205万 central and 205万 county matching funds, 410万 in all.
    _tranche(tree, FundLevel.CENTRAL, "4000000", 1)
    _tranche(tree, FundLevel.COUNTY, "1000000", 2)
    # 500万 allocated in all is more than the 410万 planned, but not of each source.
    with translation.override("zh-hans"):
        review = selectors.plan_review(plan)
    assert [flag.code for flag in review.plan] == ["over_allocation"]
    assert review.plan[0].message == (
        "规划申请县级配套资金205.00万元，超过2021-2025年已下达该县区的县级配套资金100.00万元。"
    )
    _tranche(tree, FundLevel.COUNTY, "1050000", 3)
    assert selectors.plan_review(plan).plan == []


def test_a_source_without_a_tranche_is_shown_but_not_flagged(client, plan, users, tree):
    make_item(
        plan,
        users.gaizhou,
        school=tree.schools["210881"],
        code="GZ-2023-02",
        name="图书购置",
        category=ProjectCategory.EQUIPMENT,
        planned_amount=Decimal("100000.00"),
        fund_central=0,
        fund_county=0,
        fund_provincial=Decimal("100000.00"),
        plan_year=2023,
    )
    _tranche(tree, FundLevel.CENTRAL, "1000000", 1)
    review = selectors.plan_review(plan)
    assert [row["source"] for row in review.sources] == [
        FundLevel.CENTRAL,
        FundLevel.PROVINCIAL,
        FundLevel.COUNTY,
    ]
    # Central: 205万 asked, 100万 allocated; provincial and county: no tranche yet.
    assert [flag.code for flag in review.plan] == ["over_allocation"]
    client.force_login(users.city)
    page = client.get(plan.get_absolute_url()).content.decode()
    table = page[page.index('id="plan-sources"') :]
    table = table[: table.index("</table>")]
    assert '中央</td><td class="num">205.00</td><td class="num">100.00</td>' in table
    provincial = '省级</td><td class="num">10.00</td><td class="num"><span class="muted">'
    assert provincial + "这些年度尚无资金下达记录" in table


def test_area_per_pupil_sums_the_schools_buildings_of_the_plan_and_the_register(
    plan, users, tree, settings
):
    settings.GAIBO_PLAN_AREA_PER_PUPIL = Decimal("10")
    school = SchoolFactory(county=tree.gaizhou, name="盖州市榜式堡小学", pupils=100)
    dormitory, canteen, playground, wall = (
        make_item(
            plan,
            users.gaizhou,
            school=school,
            code=code,
            name=name,
            construction_kind=kind,
            planned_area=Decimal(area),
        )
        for code, name, kind, area in (
            ("B-1", "学生宿舍新建", "dormitory", "600"),
            ("B-2", "食堂新建", "canteen", "300"),
            # Grounds and walls are not buildings: 5,000 m² of playground is no floor area.
            ("B-3", "塑胶运动场", "sports", "5000"),
            ("B-4", "围墙大门", "enclosure", "800"),
        )
    )
    # 900 m² of buildings for 100 pupils: 9 m² per pupil, within the standard.
    review = selectors.plan_review(plan)
    assert all(codes(review, item) == [] for item in (dormitory, canteen, playground, wall))
    # Another programme's building does not count; a teaching building of this programme in
    # the register does: 1,100 m², 11 m² per pupil.
    ProjectFactory(school=school, programme=Programme.COMPREHENSIVE, plan_year=2016)
    ProjectFactory(school=school, code="BSP-9", work_type="renovation", planned_area=Decimal("200"))
    with translation.override("zh-hans"):
        review = selectors.plan_review(plan)
    assert codes(review, dormitory) == codes(review, canteen) == ["over_standard"]
    assert codes(review, playground) == codes(review, wall) == []
    assert review.items[dormitory.pk][0].message == (
        "盖州市榜式堡小学规划的校舍合计1,100㎡（B-1 600㎡；B-2 300㎡；项目库中的BSP-9 200㎡），"
        "在校生100人，生均11.0㎡，超过生均10㎡的标准（运动场地、围墙、绿化等不计入）。"
    )


def test_blocking_flags_stop_the_submission_and_change_nothing(plan, users, kindergarten):
    make_item(plan, users.gaizhou, school=kindergarten, code="GZ-10", name="食堂")
    with pytest.raises(ValidationError, match="1个问题须先整改"):
        services.plan_submit(plan=plan, acting_user=users.gaizhou)
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT
    assert not PlanEvent.objects.exists()


def test_an_item_outside_the_plans_years_or_county_is_refused(plan, users, tree):
    with pytest.raises(ValidationError) as error:
        make_item(plan, users.gaizhou, school=tree.schools["210881"], code="X", plan_year=2020)
    assert "plan_year" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        make_item(plan, users.gaizhou, school=tree.schools["210882"], code="Y")
    assert "school" in error.value.error_dict
    assert plan.items.count() == 2


def test_only_the_county_compiles_and_other_counties_cannot_see_it(plan, users, tree):
    with pytest.raises(PermissionDenied):
        make_item(plan, users.dashiqiao, school=tree.schools["210881"], code="Z")
    with pytest.raises(PermissionDenied):
        make_item(plan, users.city, school=tree.schools["210881"], code="Z")
    with pytest.raises(PermissionDenied):
        services.plan_submit(plan=plan, acting_user=users.dashiqiao)
    assert not Plan.objects.visible_to(users.dashiqiao).exists()


def test_the_review_journey_records_every_step(plan, users):
    item = plan.items.get(code="GZ-2022-01")
    services.plan_submit(plan=plan, acting_user=users.gaizhou)
    with pytest.raises(ValidationError):
        make_item(plan, users.gaizhou, school=item.school, code="LATE")
    with pytest.raises(PermissionDenied):
        services.plan_approve(plan=plan, acting_user=users.city)
    with pytest.raises(ValidationError):
        services.plan_return(plan=plan, acting_user=users.city, comments={})
    services.plan_return(plan=plan, acting_user=users.city, comments={item.pk: "面积偏大,请核减。"})
    assert selectors.comments_by_item(plan)[item.pk][0][1].text == "面积偏大,请核减。"
    item.planned_area = Decimal("1000.00")
    services.plan_item_save(item=item, acting_user=users.gaizhou)
    services.plan_submit(plan=plan, acting_user=users.gaizhou)
    services.plan_city_approve(plan=plan, acting_user=users.city)
    with pytest.raises(PermissionDenied):
        services.plan_approve(plan=plan, acting_user=users.gaizhou)
    services.plan_approve(plan=plan, acting_user=users.province)
    plan.refresh_from_db()
    assert plan.state == PlanState.APPROVED
    steps = [(e.action, e.actor.username) for e in plan.events.all()]
    assert steps == [
        (PlanAction.SUBMIT, "gaizhou"),
        (PlanAction.RETURN, "yingkou"),
        (PlanAction.SUBMIT, "gaizhou"),
        (PlanAction.CITY_APPROVE, "yingkou"),
        (PlanAction.APPROVE, "liaoning"),
    ]


def test_approval_makes_the_projects_with_their_funding_plan(plan, users):
    approve_all(plan, users)
    project = Project.objects.get(code="GZ-2022-01")
    assert project.programme == Programme.CAPACITY
    assert project.planned_area == Decimal("1200.00")
    assert project.planned_amount == Decimal("3600000.00")
    assert dict(project.funding_plan.values_list("source", "amount")) == {
        FundLevel.CENTRAL: Decimal("1800000.00"),
        FundLevel.COUNTY: Decimal("1800000.00"),
    }
    assert plan.items.get(code="GZ-2022-01").project == project
    assert selectors.is_baselined(project.pk)


@pytest.fixture
def approved(plan, users):
    approve_all(plan, users)
    return Project.objects.get(code="GZ-2022-01")


def test_an_approved_projects_baseline_is_refused_outside_a_change_request(approved, users):
    approved.planned_amount = Decimal("4000000.00")
    with pytest.raises(ValidationError) as error:
        project_save(project=approved, acting_user=users.gaizhou)
    assert "planned_amount" in error.value.error_dict
    with pytest.raises(ValidationError):
        funding_plan_save(
            project=approved, amounts={FundLevel.CENTRAL: Decimal(1)}, acting_user=users.gaizhou
        )
    approved.refresh_from_db()
    assert approved.planned_amount == Decimal("3600000.00")
    # Facts outside the baseline still change on the project's page.
    approved.contractor = "营口建工集团有限公司"
    project_save(project=approved, acting_user=users.gaizhou)


def duration_request(project, user, *, end_year=2023):
    """The project (planned 2022) to be finished in another year."""
    return services.change_request_create(
        project=project,
        kind=ChangeKind.DURATION,
        new_values={"plan_year": 2022, "end_year": end_year},
        reason="征地延迟",
        acting_user=user,
    )


def value_request(project, user):
    """+400,000 yuan of central funds: 4,000,000 in all."""
    return services.change_request_create(
        project=project,
        kind=ChangeKind.VALUE,
        new_values={
            "planned_amount": "4000000",
            "fund_central": "2200000",
            "fund_county": "1800000",
        },
        reason="钢材涨价",
        acting_user=user,
    )


def test_a_value_change_request_approved_changes_project_funding_and_history(approved, users):
    change = value_request(approved, users.gaizhou)
    assert change.old_values["planned_amount"] == "3600000.00"
    assert change.new_values["planned_amount"] == "4000000.00"
    services.change_request_decide(change=change, approve=True, acting_user=users.city)
    approved.refresh_from_db()
    assert approved.planned_amount == Decimal("4000000.00")
    assert FundingPlanLine.objects.get(
        project=approved, source=FundLevel.CENTRAL
    ).amount == Decimal("2200000.00")
    record = approved.history.first()
    assert record.history_user == users.city
    assert "钢材涨价" in record.history_change_reason
    assert record.prev_record.planned_amount == Decimal("3600000.00")
    change.refresh_from_db()
    assert change.state == ChangeState.APPROVED and change.decided_by == users.city


def test_a_change_request_whose_sources_do_not_add_up_is_refused(approved, users):
    with pytest.raises(ValidationError, match="与调整后投资400.00万元不符"):
        services.change_request_create(
            project=approved,
            kind=ChangeKind.VALUE,
            new_values={"planned_amount": "4000000", "fund_central": "100"},
            reason="涨价",
            acting_user=users.gaizhou,
        )
    assert not ChangeRequest.objects.exists()


def test_duration_and_scope_changes_and_a_refusal(approved, users):
    duration = services.change_request_create(
        project=approved,
        kind=ChangeKind.DURATION,
        new_values={"plan_year": 2023, "end_year": 2024},
        reason="征地延迟",
        acting_user=users.gaizhou,
    )
    with pytest.raises(ValidationError):
        services.change_request_create(
            project=approved,
            kind=ChangeKind.SCOPE,
            new_values={"planned_area": "1100", "content": ""},
            reason="x",
            acting_user=users.gaizhou,
        )
    with pytest.raises(ValidationError):
        services.change_request_decide(change=duration, approve=False, acting_user=users.city)
    services.change_request_decide(
        change=duration, approve=False, note="理由不充分", acting_user=users.city
    )
    approved.refresh_from_db()
    assert approved.plan_year == 2022
    scope = services.change_request_create(
        project=approved,
        kind=ChangeKind.SCOPE,
        new_values={"planned_area": "1100", "content": "四层砖混"},
        reason="核减面积",
        acting_user=users.gaizhou,
    )
    with pytest.raises(PermissionDenied):
        services.change_request_decide(change=scope, approve=True, acting_user=users.gaizhou)
    services.change_request_decide(change=scope, approve=True, acting_user=users.city)
    approved.refresh_from_db()
    assert approved.planned_area == Decimal("1100.00") and approved.content == "四层砖混"
    states = set(ChangeRequest.objects.values_list("state", flat=True))
    assert states == {ChangeState.APPROVED, ChangeState.REFUSED}


def test_a_second_pending_change_request_is_refused_by_the_database(approved, users):
    change = services.change_request_create(
        project=approved,
        kind=ChangeKind.DURATION,
        new_values={"plan_year": 2022, "end_year": 2023},
        reason="征地延迟",
        acting_user=users.gaizhou,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ChangeRequest.objects.create(
            project=approved,
            item=change.item,
            kind=ChangeKind.SCOPE,
            reason="again",
            requested_by=users.gaizhou,
        )


def test_the_public_list_holds_only_approved_projects(plan, users, tree):
    assert list(selectors.public_projects()) == []
    approve_all(plan, users)
    rows = list(selectors.public_projects())
    assert [row["code"] for row in rows] == ["GZ-2022-01", "GZ-2023-01"]
    assert list(selectors.public_projects(county_code="210882")) == []
    assert len(list(selectors.public_projects(school="实验小学"))) == 2


def annual_plan(tree, users, year, county=None):
    return services.plan_create(
        plan=Plan(
            county=county or tree.gaizhou,
            kind=PlanKind.ANNUAL,
            first_year=year,
            title=f"{year}年度计划",
        ),
        acting_user=users.gaizhou if county is None else users.dashiqiao,
    )


def flag_messages(plan, item) -> list[str]:
    with translation.override("zh-hans"):
        return [flag.message for flag in selectors.plan_review(plan).items[item.pk]]


def test_an_annual_plan_confirms_the_approved_projects(approved, users, tree):
    annual = annual_plan(tree, users, 2022)
    same = make_item(annual, users.gaizhou, school=tree.schools["210881"])
    assert codes(selectors.plan_review(annual), same) == []
    approve_all(annual, users)
    same.refresh_from_db()
    assert same.project == approved
    assert Project.objects.filter(code=approved.code).count() == 1


@pytest.mark.parametrize(
    ("changes", "told"),
    [
        ({"plan_year": 2023}, "计划年度:批准为2022,本计划为2023"),
        ({"end_year": 2023}, "完成年度:批准为2022,本计划为2023"),
        (
            {"fund_central": Decimal("2000000"), "fund_county": Decimal("1600000")},
            "中央资金(万元):批准为180.00,本计划为200.00",
        ),
        (
            {"name": "学生宿舍改扩建工程"},
            "项目名称:批准为学生宿舍新建工程,本计划为学生宿舍改扩建工程",
        ),
        ({"content": "五层框架"}, "项目内容"),
        ({"planned_area": Decimal("1300")}, "计划建筑面积(m²):批准为1200,本计划为1300"),
    ],
)
def test_an_annual_plan_that_moves_an_approved_project_is_flagged_and_not_submitted(
    approved, users, tree, changes, told
):
    year = changes.get("plan_year", 2022)
    annual = annual_plan(tree, users, year)
    item = make_item(annual, users.gaizhou, school=tree.schools["210881"], **changes)
    assert codes(selectors.plan_review(annual), item) == ["differs_from_baseline"]
    [message] = flag_messages(annual, item)
    assert told in message and "项目调整申请" in message and "GZ-2022-01" in message
    with pytest.raises(ValidationError, match="1个问题须先整改"):
        services.plan_submit(plan=annual, acting_user=users.gaizhou)


def test_an_annual_plan_with_other_equipment_lines_is_flagged(plan, users, tree):
    approve_all(plan, users)
    annual = annual_plan(tree, users, 2023)
    item = services.plan_item_save(
        item=PlanItem(
            plan=annual,
            code="GZ-2023-01",
            name="计算机教室设备购置",
            school=tree.schools["210881"],
            category=ProjectCategory.EQUIPMENT,
            plan_year=2023,
            end_year=2023,
            planned_amount=Decimal("500000.00"),
            fund_central=Decimal("250000.00"),
            fund_county=Decimal("250000.00"),
        ),
        lines=[
            PlanItemLine(
                category="computers",
                name="学生计算机",
                unit="set",
                quantity=50,
                amount=Decimal("500000"),
            )
        ],
        acting_user=users.gaizhou,
    )
    [message] = flag_messages(annual, item)
    assert "设备明细" in message


def test_a_code_of_another_countys_project_is_flagged_while_compiling(approved, users, tree):
    other = annual_plan(tree, users, 2022, county=tree.dashiqiao)
    item = make_item(other, users.dashiqiao, school=tree.schools["210882"])
    assert codes(selectors.plan_review(other), item) == ["code_taken"]
    [message] = flag_messages(other, item)
    assert "GZ-2022-01" in message and "其他县(区)" in message and "盖州" not in message
    with pytest.raises(ValidationError):
        services.plan_submit(plan=other, acting_user=users.dashiqiao)


def test_a_registered_project_the_plan_cannot_take_over_is_flagged(plan, users, tree):
    started = ProjectFactory(
        school=tree.schools["210881"],
        code="GZ-2024-01",
        plan_year=2024,
        approved_on="2024-03-01",
        tendered_on="2024-03-20",
        contracted_on="2024-04-01",
        started_on="2024-04-10",
        status="started",
    )
    item = make_item(
        plan,
        users.gaizhou,
        school=started.school,
        code=started.code,
        name="多媒体设备购置",
        category=ProjectCategory.EQUIPMENT,
        planned_amount=Decimal("100000.00"),
        plan_year=2024,
    )
    assert codes(selectors.plan_review(plan), item) == ["not_a_project"]
    [message] = flag_messages(plan, item)
    assert "GZ-2024-01" in message and "无法列入项目台账" in message and "开工日期" in message


def test_the_provinces_approval_checks_again_what_changed_since_the_review(
    plan, users, tree, monkeypatch
):
    """Another county's plan took the code after the city's review: the approval refuses,
    by the flags and, were they skipped, by its own check, and changes nothing."""
    services.plan_submit(plan=plan, acting_user=users.gaizhou)
    services.plan_city_approve(plan=plan, acting_user=users.city)
    other = services.plan_create(
        plan=Plan(county=tree.dashiqiao, kind=PlanKind.FIVE_YEAR, title="大石桥市规划"),
        acting_user=users.dashiqiao,
    )
    make_item(other, users.dashiqiao, school=tree.schools["210882"])
    services.plan_submit(plan=other, acting_user=users.dashiqiao)
    services.plan_city_approve(plan=other, acting_user=users.city)
    services.plan_approve(plan=other, acting_user=users.province)
    with pytest.raises(ValidationError, match="1个问题须先整改"):
        services.plan_approve(plan=plan, acting_user=users.province)
    monkeypatch.setattr(services, "_require_no_blocking_flags", lambda plan: None)
    with pytest.raises(ValidationError, match="项目编号GZ-2022-01已被其他县"):
        services.plan_approve(plan=plan, acting_user=users.province)
    plan.refresh_from_db()
    assert plan.state == PlanState.CITY_APPROVED
    assert not Project.objects.filter(code="GZ-2023-01").exists()


def test_the_approval_refuses_a_project_changed_since_by_a_change_request(
    approved, users, tree, monkeypatch
):
    annual = annual_plan(tree, users, 2022)
    make_item(annual, users.gaizhou, school=tree.schools["210881"])
    services.plan_submit(plan=annual, acting_user=users.gaizhou)
    services.plan_city_approve(plan=annual, acting_user=users.city)
    change = duration_request(approved, users.gaizhou)
    services.change_request_decide(change=change, approve=True, acting_user=users.city)
    monkeypatch.setattr(services, "_require_no_blocking_flags", lambda plan: None)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        services.plan_approve(plan=annual, acting_user=users.province)
    assert "完成年度:批准为2023,本计划为2022" in error.value.messages[0]
    assert "项目调整申请" in error.value.messages[0]


def test_a_scope_change_changes_the_equipment_lines_with_their_history(plan, users):
    approve_all(plan, users)
    project = Project.objects.get(code="GZ-2023-01")
    assert not project.equipment_lines.exists()
    bad = {"category": "books", "item": "图书", "unit": "set", "quantity": 10, "amount": 1}
    with pytest.raises(ValidationError):
        services.change_request_create(
            project=project,
            kind=ChangeKind.SCOPE,
            new_values={"content": "", "lines": [bad]},
            reason="补充明细",
            acting_user=users.gaizhou,
        )
    line = {
        "category": "computers",
        "item": "学生计算机",
        "unit": "set",
        "quantity": Decimal("50"),
        "amount": Decimal("500000"),
    }
    change = services.change_request_create(
        project=project,
        kind=ChangeKind.SCOPE,
        new_values={"content": "计算机教室一间", "lines": [line]},
        reason="补充设备明细",
        acting_user=users.gaizhou,
    )
    assert change.old_values["lines"] == []
    services.change_request_decide(change=change, approve=True, acting_user=users.city)
    saved = project.equipment_lines.get()
    assert (saved.item, saved.quantity, saved.amount) == ("学生计算机", 50, Decimal("500000.00"))
    assert change.item.lines.get().name == "学生计算机"
    assert saved.history.get().history_user == users.city


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("智慧校园管理系统", "", "forbidden"),
        ("行政楼维修", "", "forbidden"),
        ("教学楼维修", "含高中部教室", "ineligible_school"),
        ("食堂改造", "附属幼儿园厨房", "ineligible_school"),
    ],
)
def test_other_wordings_of_forbidden_content_and_sections_are_flagged(
    plan, users, tree, name, content, code
):
    item = make_item(
        plan,
        users.gaizhou,
        school=tree.schools["210881"],
        code="GZ-11",
        name=name,
        content=content,
        construction_kind="teaching",
        work_type="renovation",
    )
    assert code in codes(selectors.plan_review(plan), item)


def test_the_code_and_name_of_an_approved_project_are_part_of_its_baseline(approved, users):
    approved.code = "GZ-NEW"
    approved.name = "综合办公楼新建工程"
    with pytest.raises(ValidationError) as error:
        project_save(project=approved, acting_user=users.gaizhou)
    assert {"code", "name"} <= set(error.value.error_dict)


def test_an_administrator_placed_in_a_county_does_not_review_or_approve(plan, users, tree):
    from gaibo.choices import Role
    from tests.factories import UserFactory

    local_admin = UserFactory(username="gz_admin", role=Role.ADMINISTRATOR, district=tree.gaizhou)
    assert services.can_compile(local_admin) is False
    assert not services.can_review(local_admin) and not services.can_approve(local_admin)
    assert services.can_review(users.admin) and services.can_approve(users.admin)


def test_a_citys_comment_outlives_the_project_the_county_removes(plan, users):
    item = plan.items.get(code="GZ-2023-01")
    services.plan_submit(plan=plan, acting_user=users.gaizhou)
    services.plan_return(plan=plan, acting_user=users.city, comments={item.pk: "与宿舍项目重复"})
    services.plan_item_delete(item=item, acting_user=users.gaizhou)
    comment = PlanComment.objects.get()
    assert comment.item is None
    assert (comment.item_code, comment.item_name) == ("GZ-2023-01", "计算机教室设备购置")
    [(event, kept)] = selectors.comments_by_item(plan)[None]
    assert kept.text == "与宿舍项目重复" and event.actor == users.city


def test_the_migration_keeps_the_code_and_name_of_commented_projects(plan, users):
    from django.apps import apps

    migration = importlib.import_module("plans.migrations.0002_plans_changes")
    item = plan.items.get(code="GZ-2022-01")
    services.plan_submit(plan=plan, acting_user=users.gaizhou)
    services.plan_return(plan=plan, acting_user=users.city, comments={item.pk: "面积偏大"})
    PlanComment.objects.update(item_code="", item_name="")  # as the rows stood before
    migration.keep_code_and_name(apps, None)
    comment = PlanComment.objects.get()
    assert (comment.item_code, comment.item_name) == ("GZ-2022-01", "学生宿舍新建工程")


def test_the_migration_gives_existing_equipment_lines_a_first_history_row(plan, users):
    from django.apps import apps

    migration = importlib.import_module("plans.migrations.0003_plan_item_lines_initial_history")
    item = plan.items.get(code="GZ-2023-01")
    services.plan_item_save(
        item=item,
        acting_user=users.gaizhou,
        lines=[
            PlanItemLine(
                category="computers",
                name="学生计算机",
                unit="unit",
                quantity=Decimal("50"),
                amount=Decimal("200000.00"),
            )
        ],
    )
    line = PlanItemLine.objects.get(item=item)
    PlanItemLine.history.all().delete()  # as the lines stood before their history was kept
    migration.initial_history(apps, None)
    migration.initial_history(apps, None)  # once only
    [first] = PlanItemLine.history.filter(id=line.pk)
    assert (first.history_type, first.quantity, first.amount) == ("+", line.quantity, line.amount)


@pytest.fixture
def twice_approved(approved, users, tree):
    """The project in the approved five-year plan and in the approved 2022 annual plan."""
    annual = annual_plan(tree, users, 2022)
    make_item(annual, users.gaizhou, school=tree.schools["210881"])
    approve_all(annual, users)
    return approved


def approved_copies(project):
    return list(selectors.approved_items().filter(project=project).order_by("pk"))


def test_an_approved_duration_change_moves_the_project_in_every_approved_plan(
    twice_approved, users
):
    assert len(approved_copies(twice_approved)) == 2
    change = duration_request(twice_approved, users.gaizhou, end_year=2024)
    services.change_request_decide(change=change, approve=True, acting_user=users.city)
    assert [(i.plan.kind, i.plan_year, i.end_year) for i in approved_copies(twice_approved)] == [
        (PlanKind.FIVE_YEAR, 2022, 2024),
        (PlanKind.ANNUAL, 2022, 2024),
    ]
    five_year = approved_copies(twice_approved)[0]
    before = five_year.history.order_by("history_date", "history_id").last().prev_record
    assert before.end_year == 2022
    assert five_year.history.latest().history_user == users.city


def test_approved_value_and_scope_changes_reach_every_approved_plan(twice_approved, users):
    value = value_request(twice_approved, users.gaizhou)
    services.change_request_decide(change=value, approve=True, acting_user=users.city)
    scope = services.change_request_create(
        project=twice_approved,
        kind=ChangeKind.SCOPE,
        new_values={"planned_area": "1100", "content": "四层砖混"},
        reason="核减面积",
        acting_user=users.gaizhou,
    )
    services.change_request_decide(change=scope, approve=True, acting_user=users.city)
    for item in approved_copies(twice_approved):
        assert (item.planned_amount, item.fund_central, item.fund_county) == (
            Decimal("4000000.00"),
            Decimal("2200000.00"),
            Decimal("1800000.00"),
        )
        assert (item.planned_area, item.content) == (Decimal("1100.00"), "四层砖混")


def test_the_county_withdraws_its_pending_change_request_and_may_file_another(approved, users):
    change = duration_request(approved, users.gaizhou)
    for other in (users.dashiqiao, users.city, users.province):
        with pytest.raises(PermissionDenied):
            services.change_request_withdraw(change=change, acting_user=other)
    services.change_request_withdraw(change=change, acting_user=users.gaizhou, note="另行申请")
    change.refresh_from_db()
    assert change.state == ChangeState.WITHDRAWN
    assert (change.decided_by, change.decision_note) == (users.gaizhou, "另行申请")
    assert change.decided_at is not None
    approved.refresh_from_db()
    assert approved.plan_year == 2022  # nothing applied
    with pytest.raises(ValidationError, match="已审批或已撤回"):
        services.change_request_decide(change=change, approve=True, acting_user=users.city)
    assert duration_request(approved, users.gaizhou).state == ChangeState.PENDING


def test_a_decided_change_request_cannot_be_withdrawn(approved, users):
    change = duration_request(approved, users.gaizhou)
    services.change_request_decide(change=change, approve=True, acting_user=users.city)
    with pytest.raises(ValidationError, match="已审批或已撤回"):
        services.change_request_withdraw(change=change, acting_user=users.gaizhou)
    change.refresh_from_db()
    assert change.state == ChangeState.APPROVED


def test_the_equipment_lines_of_a_plan_item_keep_their_history(plan, users):
    item = plan.items.get(code="GZ-2023-01")
    line = PlanItemLine(
        category="computers", name="学生计算机", unit="set", quantity=50, amount=Decimal("500000")
    )
    services.plan_item_save(item=item, lines=[line], acting_user=users.gaizhou)
    line.quantity = 40
    services.plan_item_save(item=item, lines=[line], acting_user=users.gaizhou)
    pk = line.pk
    services.plan_item_save(item=item, removed_lines=[line], acting_user=users.gaizhou)
    records = list(PlanItemLine.history.filter(id=pk).order_by("history_date", "history_id"))
    assert [(r.history_type, r.quantity) for r in records] == [("+", 50), ("~", 40), ("-", 40)]
    assert {r.history_user for r in records} == {users.gaizhou}


def test_a_scope_change_renames_the_project_and_its_approved_items(twice_approved, users):
    with pytest.raises(ValidationError) as error:
        services.change_request_create(
            project=twice_approved,
            kind=ChangeKind.SCOPE,
            new_values={"name": "学生宿舍及办公楼新建工程", "planned_area": "1200", "content": ""},
            reason="并入办公用房",
            acting_user=users.gaizhou,
        )
    assert "name" in error.value.error_dict
    change = services.change_request_create(
        project=twice_approved,
        kind=ChangeKind.SCOPE,
        new_values={"name": "学生宿舍改扩建工程", "planned_area": "1200", "content": ""},
        reason="改为改扩建",
        acting_user=users.gaizhou,
    )
    assert (change.old_values["name"], change.new_values["name"]) == (
        "学生宿舍新建工程",
        "学生宿舍改扩建工程",
    )
    services.change_request_decide(change=change, approve=True, acting_user=users.city)
    twice_approved.refresh_from_db()
    assert twice_approved.name == "学生宿舍改扩建工程"
    assert twice_approved.history.first().prev_record.name == "学生宿舍新建工程"
    assert {item.name for item in approved_copies(twice_approved)} == {"学生宿舍改扩建工程"}


def test_a_scope_request_made_before_the_name_joined_the_scope_still_applies(approved, users):
    change = services.change_request_create(
        project=approved,
        kind=ChangeKind.SCOPE,
        new_values={"planned_area": "1100", "content": "四层砖混"},
        reason="核减面积",
        acting_user=users.gaizhou,
    )
    for values in (change.old_values, change.new_values):
        del values["name"]
    change.save()
    services.change_request_decide(change=change, approve=True, acting_user=users.city)
    approved.refresh_from_db()
    assert (approved.planned_area, approved.name) == (Decimal("1100.00"), "学生宿舍新建工程")


def test_a_long_reason_is_kept_on_the_request_and_shortened_in_the_history(approved, users):
    reason = "征地延迟," * 40  # 200 characters: the history keeps 100 at most
    change = services.change_request_create(
        project=approved,
        kind=ChangeKind.DURATION,
        new_values={"plan_year": 2022, "end_year": 2023},
        reason=reason,
        acting_user=users.gaizhou,
    )
    services.change_request_decide(change=change, approve=True, acting_user=users.city)
    change.refresh_from_db()
    assert change.reason == reason
    recorded = approved.history.first().history_change_reason
    assert len(recorded) <= 100 and recorded.startswith("项目调整申请已批准")


def test_a_code_used_by_a_project_of_another_programme_is_not_taken_over(plan, users, tree):
    """A completed 2016 全面改薄 building under the code a 能力提升 item uses again: flagged,
    and the province's approval (were the flags skipped) refuses it and changes nothing."""
    old = ProjectFactory(
        school=tree.schools["210881"],
        code="GZ2016-07",
        name="教学楼新建工程",
        programme=Programme.COMPREHENSIVE,
        plan_year=2016,
        approved_on="2016-03-01",
        tendered_on="2016-04-01",
        contracted_on="2016-05-01",
        started_on="2016-06-01",
        completed_on="2017-06-01",
        status="completed",
    )
    item = make_item(
        plan,
        users.gaizhou,
        school=old.school,
        code=old.code,
        name="食堂新建工程",
        construction_kind=ConstructionKind.CANTEEN,
        plan_year=2023,
    )
    assert codes(selectors.plan_review(plan), item) == ["code_taken"]
    [message] = flag_messages(plan, item)
    assert "GZ2016-07" in message and "教学楼新建工程" in message and "全面改薄" in message
    with pytest.raises(ValidationError, match="GZ2016-07"):
        services._baseline_project(item, plan, users.province)
    old.refresh_from_db()
    assert (old.programme, old.name, old.plan_year) == (
        Programme.COMPREHENSIVE,
        "教学楼新建工程",
        2016,
    )


def test_an_early_project_of_the_programme_is_taken_over_with_its_progress(plan, users, tree):
    early = ProjectFactory(
        school=tree.schools["210881"],
        code="GZ-2023-09",
        name="食堂新建工程",
        construction_kind=ConstructionKind.CANTEEN,
        plan_year=2023,
        is_early=True,
        approved_on="2022-09-01",
        tendered_on="2022-10-01",
        contracted_on="2022-10-20",
        started_on="2022-11-01",
        status="started",
    )
    item = make_item(
        plan,
        users.gaizhou,
        school=early.school,
        code=early.code,
        name=early.name,
        construction_kind=ConstructionKind.CANTEEN,
        plan_year=2023,
    )
    assert codes(selectors.plan_review(plan), item) == []
    approve_all(plan, users)
    early.refresh_from_db()
    assert early.started_on.isoformat() == "2022-11-01" and early.planned_area == Decimal("1200")


def test_a_later_plan_year_leaves_the_project_in_its_approved_annual_plan(approved, users, tree):
    """The 2022 annual plan approved with the project keeps it under 2022 when the city moves
    the project to 2023; the five-year plan and the project take the new years."""
    annual = annual_plan(tree, users, 2022)
    make_item(annual, users.gaizhou, school=tree.schools["210881"])
    approve_all(annual, users)
    change = services.change_request_create(
        project=approved,
        kind=ChangeKind.DURATION,
        new_values={"plan_year": 2023, "end_year": 2024},
        reason="征地延迟",
        acting_user=users.gaizhou,
    )
    services.change_request_decide(change=change, approve=True, acting_user=users.city)
    approved.refresh_from_db()
    assert approved.plan_year == 2023
    annual_item = annual.items.get()
    assert (annual_item.plan_year, annual_item.end_year) == (2022, 2024)
    five_year_item = PlanItem.objects.get(plan__kind=PlanKind.FIVE_YEAR, project=approved)
    assert (five_year_item.plan_year, five_year_item.end_year) == (2023, 2024)
    assert selectors.baseline_item(approved.pk).end_year == 2024


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("content", "含高中部宿舍", "高中部"),
        ("content", "配套办公楼", "办公楼"),
        ("name", "学生宿舍及管理平台", "管理平台"),
    ],
)
def test_a_scope_change_is_held_to_the_plans_content_rules(approved, users, field, text, expected):
    values = {"planned_area": "1100", "content": "四层砖混", field: text}
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        services.change_request_create(
            project=approved,
            kind=ChangeKind.SCOPE,
            new_values=values,
            reason="调整",
            acting_user=users.gaizhou,
        )
    assert expected in error.value.message_dict[field][0]
    assert not ChangeRequest.objects.exists()


def test_a_code_taken_by_a_simultaneous_approval_is_told_not_an_error_page(
    plan, users, monkeypatch
):
    """Two approvals creating the same new code at once: the database refuses the second
    (unique code); its approval says so in words and changes nothing."""
    services.plan_submit(plan=plan, acting_user=users.gaizhou)
    services.plan_city_approve(plan=plan, acting_user=users.city)

    def taken_meanwhile(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "project_save", taken_meanwhile)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        services.plan_approve(plan=plan, acting_user=users.province)
    assert "GZ-2022-01" in error.value.messages[0] and "请重试" in error.value.messages[0]
    plan.refresh_from_db()
    assert plan.state == PlanState.CITY_APPROVED
