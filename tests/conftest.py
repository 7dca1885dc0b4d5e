"""Shared fixtures: a small district tree with two counties of one city and one of another."""

from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client, RequestFactory, override_settings

from gaibo.choices import Role
from projects.choices import DistrictLevel
from tests.factories import DistrictFactory, ProjectFactory, SchoolFactory, UserFactory


@pytest.fixture
def tree(db):
    """辽宁省 → 营口市 (盖州市, 大石桥市) and 鞍山市 (海城市); a school and a project per county."""
    province = DistrictFactory(code="210000", name="辽宁省", level=DistrictLevel.PROVINCE)
    city = DistrictFactory(code="210800", name="营口市", level=DistrictLevel.CITY, parent=province)
    gaizhou = DistrictFactory(code="210881", name="盖州市", parent=city)
    dashiqiao = DistrictFactory(code="210882", name="大石桥市", parent=city)
    other_city = DistrictFactory(
        code="210300", name="鞍山市", level=DistrictLevel.CITY, parent=province
    )
    haicheng = DistrictFactory(code="210381", name="海城市", parent=other_city)
    schools = {
        county.code: SchoolFactory(county=county, name=f"{county.name}实验小学")
        for county in (gaizhou, dashiqiao, haicheng)
    }
    projects = {
        code: ProjectFactory(school=school, name=f"{school.name}教学楼新建工程")
        for code, school in schools.items()
    }
    return SimpleNamespace(
        province=province,
        city=city,
        gaizhou=gaizhou,
        dashiqiao=dashiqiao,
        other_city=other_city,
        haicheng=haicheng,
        schools=schools,
        projects=projects,
    )


@pytest.fixture
def users(tree):
    """One user of each role, placed in the tree."""
    return SimpleNamespace(
        gaizhou=UserFactory(username="gaizhou", role=Role.COUNTY_EDUCATION, district=tree.gaizhou),
        gaizhou_finance=UserFactory(
            username="gaizhou_finance", role=Role.COUNTY_FINANCE, district=tree.gaizhou
        ),
        dashiqiao=UserFactory(
            username="dashiqiao", role=Role.COUNTY_EDUCATION, district=tree.dashiqiao
        ),
        city=UserFactory(username="yingkou", role=Role.CITY, district=tree.city),
        province=UserFactory(username="liaoning", role=Role.PROVINCE, district=tree.province),
        inspector=UserFactory(username="inspector", role=Role.INSPECTOR, district=tree.city),
        admin=UserFactory(
            username="admin", role=Role.ADMINISTRATOR, is_superuser=True, is_staff=True
        ),
    )


@pytest.fixture(autouse=True)
def login_through_axes(monkeypatch):
    """The test client's login() goes through django-axes like the login page: axes needs
    the request, which Django's Client.login does not pass to authenticate()."""
    original = Client.login

    def login(self, **credentials):
        credentials.setdefault("request", RequestFactory().post("/login/"))
        return original(self, **credentials)

    monkeypatch.setattr(Client, "login", login)


@pytest.fixture(autouse=True)
def empty_page_cache():
    """No test sees pages another kept (gaibo/page_cache.py): after a test's database is
    emptied, the data version and the ids start again and could name another test's pages."""
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = [FAST_HASHER]


FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(scope="module")
def loaded_demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for a test module and rolled back after it; its output."""
    with (
        override_settings(PASSWORD_HASHERS=[FAST_HASHER]),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        output = StringIO()
        call_command("load_demo", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)
