"""Dashboard pages kept between requests (gaibo/page_cache.py): shown again while nothing was
written, drawn again after any committed write, whichever way it was written; never shared
between users, languages or days; never kept from inside a transaction that wrote.

The tests with a database commit (transaction=True): the data version rises only when a
write commits."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gaibo import backup, data_version, page_cache
from gaibo.api_tokens import api_token_issue
from gaibo.choices import Role
from gaibo.models import DataVersion
from projects.models import School
from reports.services import report_return, report_submit
from tests.dashboard.conftest import may  # noqa: F401 (fixture)
from tests.factories import PASSWORD, SchoolFactory, UserFactory
from tests.funding.conftest import money  # noqa: F401 (fixture)
from tests.reports.conftest import clock, county, fill  # noqa: F401 (fixtures)

committing = pytest.mark.django_db(transaction=True)

CITY_PAGE = "/dashboard/?district=210800&month=2024-05"
COUNTY_PAGE = "/dashboard/?district=210881&month=2024-05"


def signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def main(response) -> str:
    """The page inside <main>: what is kept (the header around it carries the session's CSRF
    token and messages, drawn for each request)."""
    page = response.content.decode()
    return page[page.index("<main>") : page.index("</main>")]


def get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


@committing
def test_a_page_asked_again_is_shown_again_without_drawing_it(client, tree, users):
    signed_in(client, users.city)
    first, drawn = get(client, CITY_PAGE)
    again, shown = get(client, CITY_PAGE)
    assert main(again) == main(first)
    assert shown <= 5 < drawn  # session, user, the user's district, the data version
    assert "盖州市" in main(again)


@committing
def test_a_write_by_a_service_shows_at_once(client, tree, users):
    from projects import services

    signed_in(client, users.gaizhou)
    get(client, COUNTY_PAGE)
    school = tree.schools["210881"]
    school.name = "盖州市新建九年一贯制学校"
    services.school_save(school=school, acting_user=users.gaizhou)
    page, _queries = get(client, COUNTY_PAGE)
    assert "盖州市新建九年一贯制学校" in main(page)


@committing
def test_a_raw_sql_write_shows_at_once(client, tree, users):
    signed_in(client, users.gaizhou)
    get(client, COUNTY_PAGE)
    school = tree.schools["210881"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {School._meta.db_table} SET name = %s WHERE id = %s",
            ["盖州市改名小学", school.pk],
        )
    page, _queries = get(client, COUNTY_PAGE)
    assert "盖州市改名小学" in main(page)


@committing
def test_a_write_rolled_back_keeps_the_version_and_one_committed_changes_it(tree):
    before = data_version.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        School.objects.filter(pk=tree.schools["210881"].pk).update(name="不会留下")
        raise RuntimeError
    assert data_version.current() == before
    with transaction.atomic():
        for name in ("甲", "乙", "丙"):
            School.objects.filter(pk=tree.schools["210881"].pk).update(name=name)
    assert data_version.current() != before


@committing
def test_writes_outside_a_transaction_and_in_bulk_change_it(tree):
    before = data_version.current()
    School.objects.filter(pk=tree.schools["210881"].pk).update(name="甲")  # autocommit
    after_update = data_version.current()
    School.objects.bulk_create([SchoolFactory.build(county=tree.gaizhou, name="乙")])
    assert before != after_update != data_version.current()


@committing
def test_writes_are_watched_on_a_connection_first_opened_inside_another_wrapper(tree):
    def in_a_new_thread():  # a thread's first connection
        with connection.execute_wrapper(lambda execute, *args: execute(*args)):
            School.objects.count()  # connects: the data version's wrapper is installed now
        School.objects.filter(pk=tree.schools["210881"].pk).update(name="甲")
        connection.close()

    before = data_version.current()
    thread = threading.Thread(target=in_a_new_thread)
    thread.start()
    thread.join()
    assert data_version.current() != before


@committing
def test_a_restored_database_shows_no_page_kept_since_the_backup(client, tree, users, tmp_path):
    signed_in(client, users.gaizhou)
    archive = tmp_path / "backup.zip"
    backup.backup(archive)
    at_backup = data_version.current()
    kept, _queries = get(client, COUNTY_PAGE)  # kept under the backup's token
    School.objects.filter(pk=tree.schools["210881"].pk).update(name="盖州市备份后改名小学")
    assert "盖州市备份后改名小学" in main(get(client, COUNTY_PAGE)[0])
    backup.restore(archive)
    # Not the backup's token either: a page drawn between a commit and its new token, or for
    # a user whose id a user created after the restore takes again, cannot come back.
    assert data_version.current() not in (at_backup, None)
    signed_in(client, users.gaizhou)  # the restore brought back the sessions of the backup
    page, _queries = get(client, COUNTY_PAGE)
    assert "盖州市备份后改名小学" not in main(page) and "盖州市实验小学" in main(page)


@committing
def test_an_emptied_database_keeps_no_page_until_a_write(tree, users):
    DataVersion.objects.all().delete()  # as flush leaves it
    request = a_request(users.city)
    assert draws(request) == 1
    assert draws(request) == 1
    School.objects.filter(pk=tree.schools["210881"].pk).update(name="甲")
    assert draws(request) == 1
    assert draws(request) == 0


@committing
def test_a_write_in_a_savepoint_rolled_back_does_not_hide_a_later_one(tree):
    before = data_version.current()
    with transaction.atomic():
        try:
            with transaction.atomic():
                School.objects.filter(pk=tree.schools["210881"].pk).update(name="甲")
                raise RuntimeError
        except RuntimeError:
            pass
        School.objects.filter(pk=tree.schools["210882"].pk).update(name="乙")
    assert data_version.current() != before


@committing
def test_sign_ins_sessions_and_api_key_use_change_no_page(client, tree, users):
    _token, key = api_token_issue(user=users.city, name="省级平台")
    before = data_version.current()
    signed_in(client, users.city)
    client.get(CITY_PAGE)
    client.get(
        "/dashboard/api/?district=210800&month=2024-05", headers={"Authorization": f"Bearer {key}"}
    )
    client.logout()
    client.login(username=users.city.username, password="wrong password")
    assert data_version.current() == before


@committing
def test_entering_a_report_keeps_the_pages_and_submitting_it_shows_at_once(
    client,
    tree,
    users,
    may,  # noqa: F811 (the fixture)
):
    """A report's lines are written only while no dashboard counts the report (reports.apps):
    entering it raises no version; the step that makes it count, or a line that gives its
    project new dates, does."""
    finance = UserFactory(role=Role.COUNTY_FINANCE, district=tree.dashiqiao)
    report = report_return(report=may.dashiqiao, acting_user=finance, reason="面积有误")
    json_url = "/dashboard/api/?district=210800&month=2024-05&pending=1"

    def dashiqiao():
        with CaptureQueriesContext(connection) as queries:
            data = client.get(json_url).json()
        child = next(child for child in data["children"] if child["code"] == "210882")
        return child["started_area"], len(queries)

    signed_in(client, users.city)
    assert dashiqiao()[0] == "0.00"  # returned: not counted
    version = data_version.current()
    line = fill(report, tree.projects["210882"], users.dashiqiao, started_area=Decimal("450"))
    assert data_version.current() == version
    assert dashiqiao() == ("0.00", 3)  # shown again: session, user, data version

    report_submit(report=report, acting_user=users.dashiqiao)
    assert dashiqiao()[0] == "450.00"
    report_return(report=report, acting_user=finance, reason="日期有误")
    version = data_version.current()
    fill(report, line.project, users.dashiqiao, started_on=datetime.date(2024, 5, 3))
    assert data_version.current() != version  # the project's start date changed too


@committing
def test_each_user_has_their_own_pages(client, tree, users):
    county_client = signed_in(Client(), users.gaizhou)
    signed_in(client, users.city)  # both signed in first: a sign-in is a write
    get(client, CITY_PAGE)
    assert county_client.get(CITY_PAGE).status_code == 404  # the city's page is not theirs
    mine, _queries = get(county_client, COUNTY_PAGE)
    theirs, _queries = get(client, COUNTY_PAGE)
    assert "营口市" not in main(mine) and "营口市" in main(theirs)  # the breadcrumb


@committing
def test_a_user_moved_to_another_county_sees_it_at_once(client, tree, users):
    signed_in(client, users.gaizhou)
    get(client, COUNTY_PAGE)
    users.gaizhou.district = tree.dashiqiao
    users.gaizhou.save()
    assert client.get(COUNTY_PAGE).status_code == 404


@committing
def test_a_refusal_is_shown_again_the_same(client, tree, users):
    signed_in(client, users.city)
    url = "/dashboard/api/?district=210800&month=2024-13"
    first, again = client.get(url), client.get(url)
    assert first.status_code == again.status_code == 400
    assert first.json() == again.json() and "month" in again.json()["errors"]


@committing
def test_english_and_chinese_are_kept_apart(client, tree, users):
    signed_in(client, users.city)
    chinese, _queries = get(client, CITY_PAGE)
    client.cookies["django_language"] = "en"
    english, _queries = get(client, CITY_PAGE)
    assert "Districts below" in main(english) and "Districts below" not in main(chinese)


def draws(request, name="test"):
    count = []
    page_cache.kept(request, name, lambda: count.append(1) or "page")
    return len(count)


def a_request(user):
    request = RequestFactory().get(CITY_PAGE)
    request.user = user
    return request


@committing
def test_a_page_is_drawn_again_the_next_day(tree, users, monkeypatch):
    request = a_request(users.city)
    assert draws(request) == 1
    assert draws(request) == 0
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(page_cache.timezone, "localdate", lambda: tomorrow)
    assert draws(request) == 1  # alerts count days from today


@committing
def test_inside_a_transaction_that_wrote_nothing_is_kept_or_taken(tree, users):
    request = a_request(users.city)
    assert draws(request) == 1
    with transaction.atomic():
        School.objects.filter(pk=tree.schools["210881"].pk).update(name="未提交")
        assert draws(request) == 1  # not the page kept before: this transaction changed data
        assert draws(request) == 1  # and what it drew was not kept
    assert draws(request) == 1  # committed: drawn again
    assert draws(request) == 0


@committing
def test_no_keeping_when_turned_off(tree, users, settings):
    settings.GAIBO_PAGE_CACHE_SECONDS = 0
    request = a_request(users.city)
    assert draws(request) == 1
    assert draws(request) == 1


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ('INSERT INTO "projects_school" ("name") VALUES (%s)', True),
        ('INSERT OR IGNORE INTO "projects_school" ("name") VALUES (%s)', True),
        ('UPDATE "funding_payment" SET "amount" = %s', True),
        ('DELETE FROM "reports_report" WHERE "id" = %s', True),
        ('TRUNCATE "axes_accessattempt", "projects_school"', True),
        ('/* a comment */ UPDATE "projects_school" SET "name" = %s', True),
        ('WITH moved AS (SELECT 1) UPDATE "projects_school" SET "name" = %s', True),
        ('REPLACE INTO "projects_school" ("name") VALUES (%s)', True),
        ('MERGE INTO "projects_school" USING …', True),
        ('COPY "funding_payment" FROM STDIN', True),
        ('UPDATE "gaibo_user" SET "is_active" = %s WHERE "gaibo_user"."id" = %s', True),
        ('SELECT * FROM "projects_school" FOR UPDATE', False),
        ('(SELECT "id" FROM "projects_school") UNION (SELECT "id" FROM "projects_school")', False),
        ("WITH ids (id) AS (SELECT 1) SELECT id FROM ids", False),
        ('SAVEPOINT "s1"', False),
        ('RELEASE SAVEPOINT "s1"', False),
        ("SET CONSTRAINTS ALL IMMEDIATE", False),
        ('UPDATE "gaibo_user" SET "last_login" = %s WHERE "gaibo_user"."id" = %s', False),
        ('UPDATE "django_session" SET "session_data" = %s', False),
        ('INSERT INTO "axes_accesslog" ("username") VALUES (%s)', False),
        ('UPDATE "gaibo_apitoken" SET "last_used_at" = %s', False),
        ('UPDATE "gaibo_dataversion" SET "value" = ("value" + 1)', False),
        # A report's lines and their history (reports.apps), not its totals.
        ('UPDATE "reports_reportline" SET "progress" = %s', False),
        ('INSERT INTO "reports_historicalreportline" ("progress") VALUES (%s)', False),
        ('UPDATE "reports_reporttotals" SET "lines" = %s', True),
    ],
)
def test_which_statements_change_data(sql, writes):
    assert data_version.is_data_write(sql) is writes
