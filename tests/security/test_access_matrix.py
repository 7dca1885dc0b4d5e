"""The authorization matrix (NetBox style): every URL pattern, every role, an object of the
user's own county and objects of counties outside the user's subtree.

`MATRIX` maps every URL name to a `Page`: how to build its arguments for the objects of a
county of the world (tests/security/world.py), and what each role gets for an object inside
its subtree. Whatever the role, an object outside the subtree answers 404 (GET and POST), and
a page listing rows, or an export, shows no row of a county outside it.

`test_every_url_pattern_is_in_the_matrix` fails when a URL name exists that is neither in the
matrix nor in `EXEMPT`: a new page is added to the matrix (and its objects to the world) in
the same change. Each app has its own table in `MATRIX` below.
"""

import zipfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from io import BytesIO

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import FAST_HASHER
from tests.security.world import COUNTIES, build_world, marker

ROLES = (
    "anonymous",
    "county_education",
    "county_finance",
    "city",
    "province",
    "inspector",
    "admin",
)
SIGNED_IN = ROLES[1:]
# The counties of the world each role sees (its subtree): 盖州市, then 大石桥市 (same city),
# 海城市 (another city), 朝阳区 (another province).
SUBTREE = {
    "anonymous": set(),
    "county_education": {"210881"},
    "county_finance": {"210881"},
    "city": {"210881", "210882"},
    "inspector": {"210881", "210882"},
    "province": {"210881", "210882", "210381"},
    "admin": set(COUNTIES),
}

LOGIN = 302  # anonymous: sent to the login page


def everyone(status=200, *, anonymous=LOGIN) -> dict:
    return {"anonymous": anonymous, **dict.fromkeys(SIGNED_IN, status)}


def only(*roles, status=200, others=403, anonymous=LOGIN) -> dict:
    """`status` for the roles named, `others` (403: the role may not) for the rest."""
    return {"anonymous": anonymous, **{r: status if r in roles else others for r in SIGNED_IN}}


@dataclass(frozen=True)
class Page:
    """One URL name: what each role gets for an object inside its subtree (or, with no
    `target`, for the page itself), how to build the URL for a county's objects, and whether
    the page (without arguments) lists rows or exports them."""

    expect: dict
    target: Callable | None = None  # (county's objects) -> (kwargs, query)
    lists: bool = False
    query: dict = field(default_factory=dict)  # the page's own query, without a target


def pk(attribute: str) -> Callable:
    return lambda o: ({"pk": getattr(o, attribute).pk}, {})


def district(**query) -> Callable:
    return lambda o: ({}, {"district": o.county.code, **query})


YEARS = {"first_year": 2024, "last_year": 2024}
EDITORS = ("county_education", "city", "admin")
SUPERVISORS = ("city", "inspector", "admin")
ALLOCATORS = ("county_finance", "city", "province", "admin")
BOOKKEEPERS = ("county_finance", "admin")
POST_ONLY = {"anonymous": 405, **dict.fromkeys(SIGNED_IN, 405)}
SIGNED_POST_ONLY = {"anonymous": LOGIN, **dict.fromkeys(SIGNED_IN, 405)}  # login asked first

ROOT = {
    "home": Page(everyone(302)),
    "password_change": Page(everyone()),  # one's own password only
    "password_change_done": Page(everyone()),
}
PROJECTS = {
    "projects:school_list": Page(everyone(), lists=True),
    "projects:school_detail": Page(everyone(), pk("school")),
    "projects:project_list": Page(everyone(), lists=True),
    "projects:project_create": Page(only(*EDITORS)),
    "projects:project_detail": Page(everyone(), pk("project")),
    "projects:project_update": Page(only(*EDITORS), pk("project")),
}
INSPECTIONS = {
    "inspections:home": Page(everyone(302)),
    "inspections:visit_list": Page(everyone(), lists=True),
    "inspections:visit_create": Page(only(*SUPERVISORS)),
    "inspections:visit_detail": Page(everyone(), pk("visit")),
    "inspections:visit_update": Page(only(*SUPERVISORS), pk("visit")),
    "inspections:checklist_edit": Page(only(*SUPERVISORS), pk("visit")),
    "inspections:visit_photos": Page(only(*SUPERVISORS), pk("visit")),
    "inspections:finding_create": Page(only(*SUPERVISORS), pk("visit")),
    "inspections:opinion_letter": Page(everyone(), pk("visit")),
    "inspections:finding_list": Page(everyone(), lists=True),
    "inspections:finding_detail": Page(everyone(), pk("finding")),
    "inspections:finding_start": Page(POST_ONLY, pk("finding")),
    "inspections:finding_submit": Page(POST_ONLY, pk("finding")),
    "inspections:finding_verify": Page(POST_ONLY, pk("finding")),
    "inspections:finding_reject": Page(POST_ONLY, pk("finding")),
    "inspections:finding_close": Page(POST_ONLY, pk("finding")),
    "inspections:overview": Page(everyone(), lists=True),
    "inspections:visit_photo": Page(everyone(), pk("visit_photo")),
    "inspections:visit_photo_thumbnail": Page(everyone(), pk("visit_photo")),
    "inspections:evidence_photo": Page(everyone(), pk("evidence_photo")),
    "inspections:evidence_photo_thumbnail": Page(everyone(), pk("evidence_photo")),
}
FUNDING = {
    "funding:ledger": Page(everyone(), district(), lists=True),
    "funding:ledger_export": Page(everyone(), district(), lists=True),
    "funding:allocation_list": Page(everyone(), lists=True),
    "funding:allocation_create": Page(only(*ALLOCATORS)),
    "funding:allocation_import": Page(only(*ALLOCATORS)),
    "funding:arrival_import": Page(only(*BOOKKEEPERS)),
    "funding:payment_import": Page(only(*BOOKKEEPERS)),
    "funding:allocation_detail": Page(everyone(), pk("tranche")),
    "funding:allocation_correct": Page(only(*ALLOCATORS), pk("tranche")),
    "funding:arrival_correct": Page(only(*BOOKKEEPERS), pk("arrival")),
    "funding:payment_correct": Page(only(*BOOKKEEPERS), pk("payment")),
    "funding:project_ledger": Page(everyone(), pk("project")),
    "funding:funding_plan_edit": Page(only(*EDITORS), pk("project")),
    "funding:arrival_create": Page(only(*BOOKKEEPERS), pk("project")),
    "funding:payment_create": Page(only(*BOOKKEEPERS), pk("project")),
}
REPORTS = {
    "reports:report_list": Page(everyone(), lists=True),
    "reports:report_start": Page(everyone(405)),
    "reports:tracker": Page(everyone(), lists=True),
    "reports:period_export": Page(everyone(), lists=True),
    "reports:report_entry": Page(everyone(), pk("report")),
    "reports:report_import": Page(only("county_education", "admin"), pk("report")),
    "reports:report_export": Page(everyone(), pk("report")),
    "reports:report_action": Page(
        everyone(405), lambda o: ({"pk": o.report.pk, "action": "submit"}, {})
    ),
}
DASHBOARD = {
    "dashboard:district": Page(everyone(), district(), lists=True),
    "dashboard:district_export": Page(everyone(), district(), lists=True),
    "dashboard:bulletin": Page(everyone(), district(), lists=True),
    "dashboard:data": Page(everyone(), district(), lists=True),
    "dashboard:school": Page(everyone(), lambda o: ({"code": o.school.code}, {})),
    "dashboard:school_export": Page(everyone(), lambda o: ({"code": o.school.code}, {})),
    "dashboard:summary": Page(everyone(), district(**YEARS), lists=True, query=YEARS),
    "dashboard:summary_export": Page(everyone(), district(**YEARS), lists=True, query=YEARS),
    "dashboard:summary_data": Page(everyone(), district(**YEARS), lists=True, query=YEARS),
}
COMPILERS = ("county_education", "admin")
PLANS = {
    "plans:plan_list": Page(everyone(), lists=True),
    "plans:plan_create": Page(only(*COMPILERS)),
    "plans:plan_detail": Page(everyone(), pk("draft_plan")),
    "plans:plan_import": Page(only(*COMPILERS), pk("draft_plan")),
    # A plan being compiled is not for the city or the province to return yet.
    "plans:plan_return": Page(everyone(403), pk("draft_plan")),
    "plans:plan_action": Page(
        SIGNED_POST_ONLY, lambda o: ({"pk": o.draft_plan.pk, "action": "submit"}, {})
    ),
    "plans:item_create": Page(only(*COMPILERS), lambda o: ({"plan_pk": o.draft_plan.pk}, {})),
    "plans:item_update": Page(
        only(*COMPILERS), lambda o: ({"plan_pk": o.draft_plan.pk, "pk": o.draft_item.pk}, {})
    ),
    "plans:item_delete": Page(
        SIGNED_POST_ONLY, lambda o: ({"plan_pk": o.draft_plan.pk, "pk": o.draft_item.pk}, {})
    ),
    "plans:change_list": Page(everyone(), lists=True),
    "plans:change_detail": Page(everyone(), pk("change")),
    "plans:change_withdraw": Page(SIGNED_POST_ONLY, pk("change")),
    "plans:change_create": Page(only(*COMPILERS), lambda o: ({"project_pk": o.baselined.pk}, {})),
    # Public disclosure: no login, every county's approved projects (tests/plans checks that
    # nothing private is there).
    "plans:public_list": Page(everyone(anonymous=200)),
    "plans:public_csv": Page(everyone(anonymous=200)),
    "plans:public_json": Page(everyone(anonymous=200)),
}
MATRIX = {**ROOT, **PROJECTS, **INSPECTIONS, **FUNDING, **REPORTS, **DASHBOARD, **PLANS}

# Not in the matrix: Django's own pages. The admin's pages go through the same scoping
# (tests/*/test_admin.py); login, logout and the language switch show no data.
EXEMPT_PREFIXES = ("admin:",)
EXEMPT = {"login", "logout", "set_language"}


def url_names(patterns=None, namespace="") -> list:
    """Every URL pattern's full name ("app:name"); "<unnamed …>" for one without a name."""
    names = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            names += url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            names.append(f"{namespace}{pattern.name or f'<unnamed {pattern.pattern}>'}")
    return names


def test_every_url_pattern_is_in_the_matrix():
    names = url_names()
    covered = {n for n in names if n in EXEMPT or n.startswith(EXEMPT_PREFIXES)}
    missing = sorted(set(names) - covered - set(MATRIX))
    assert missing == [], f"URL names missing from the access matrix: {missing}"
    stale = sorted(set(MATRIX) - set(names))
    assert stale == [], f"the matrix names URLs that no longer exist: {stale}"
    for name, page in MATRIX.items():
        assert set(page.expect) == set(ROLES), name


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module, rolled back after it."""
    with ExitStack() as stack:
        stack.enter_context(
            override_settings(
                PASSWORD_HASHERS=[FAST_HASHER], MEDIA_ROOT=tmp_path_factory.mktemp("media")
            )
        )
        stack.enter_context(django_db_blocker.unblock())
        stack.enter_context(transaction.atomic())
        yield build_world(stack)
        transaction.set_rollback(True)


def signed_in(client, world, role):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def text_of(response) -> str:
    """What a user could read in a response: a page, JSON, or the XML of an .xlsx/.docx."""
    content = b"".join(response) if response.streaming else response.content
    if content.startswith(b"PK"):
        with zipfile.ZipFile(BytesIO(content)) as package:
            return "".join(
                package.read(name).decode("utf-8", "replace")
                for name in package.namelist()
                if name.endswith(".xml")
            )
    return content.decode("utf-8", "replace")


OBJECT_PAGES = [name for name, page in MATRIX.items() if page.target]
LIST_PAGES = [name for name, page in MATRIX.items() if page.lists]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", OBJECT_PAGES)
def test_object_pages_answer_404_outside_the_subtree(client, world, name, role):
    page = MATRIX[name]
    signed_in(client, world, role)
    for code in COUNTIES:
        kwargs, query = page.target(world.objects[code])
        url = reverse(name, kwargs=kwargs)
        response = client.get(url, query)
        inside = code in SUBTREE[role]
        post_only = page.expect[role] == 405  # refused before anything is looked up
        expected = page.expect[role] if inside or post_only or role == "anonymous" else 404
        assert response.status_code == expected, (name, role, code, response.status_code)
        if role == "anonymous":
            if expected == LOGIN:
                assert response["Location"].startswith(reverse("login"))
            continue
        if not inside:
            # Changing or acting on it is refused the same way, and reveals nothing.
            response = client.post(f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}")
            allowed = (404,) if post_only else (404, 405)
            assert response.status_code in allowed, (name, role, code, "POST")
            assert marker(code) not in text_of(response)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", [name for name, page in MATRIX.items() if not page.target])
def test_pages_answer_each_role(client, world, name, role):
    page = MATRIX[name]
    response = signed_in(client, world, role).get(reverse(name), page.query)
    assert response.status_code == page.expect[role], (name, role, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("role", SIGNED_IN)
@pytest.mark.parametrize("name", LIST_PAGES)
def test_lists_and_exports_never_show_another_countys_rows(client, world, name, role):
    page = MATRIX[name]
    response = signed_in(client, world, role).get(reverse(name), page.query)
    assert response.status_code == 200, (name, role, response.status_code)
    text = text_of(response)
    for code in COUNTIES:
        if code not in SUBTREE[role]:
            assert marker(code) not in text, (name, role, code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "projects:school_list",
        "projects:project_list",
        "inspections:visit_list",
        "inspections:finding_list",
        "funding:allocation_list",
    ],
)
def test_lists_show_the_users_own_rows(client, world, name):
    """The lists' check above is not vacuous: they do show the rows the user may see."""
    response = signed_in(client, world, "city").get(reverse(name))
    text = text_of(response)
    assert marker("210881") in text and marker("210882") in text
