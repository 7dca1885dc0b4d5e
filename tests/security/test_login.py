"""Login: failed logins are throttled, the session is renewed at login, idle sessions end,
a disabled user's session ends, and weak passwords are refused where passwords are set."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from gaibo.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/login/"


def attempt(client, username, password, address="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_failed_logins_are_throttled_per_user_and_address(client, users, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = attempt(client, "gaizhou", "wrong-password")
        assert response.status_code == 200 and "请输入一个正确的" in response.content.decode()
    response = attempt(client, "gaizhou", "wrong-password")
    assert response.status_code == 429
    # Locked now: even the right password is refused, with a message in Chinese.
    response = attempt(client, "gaizhou", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "登录失败次数过多" in page and "请稍后再试" in page
    assert "5 次" in page
    assert "_auth_user_id" not in client.session
    # A colleague at the same address, and the same user elsewhere, are not locked out.
    assert attempt(client, "gaizhou_finance", PASSWORD).status_code == 302
    client.logout()
    assert attempt(client, "gaizhou", PASSWORD, address="10.0.0.8").status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, users, settings):
    for _ in range(5):
        attempt(client, "gaizhou", "wrong-password")
    assert attempt(client, "gaizhou", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    )
    assert attempt(client, "gaizhou", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(client, users):
    for _ in range(4):
        attempt(client, "gaizhou", "wrong-password")
    assert attempt(client, "gaizhou", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, "gaizhou", "wrong-password")
    assert attempt(client, "gaizhou", PASSWORD).status_code == 302


def test_the_session_key_changes_at_login(client, users):
    session = client.session
    session["language_note"] = "before login"
    session.save()
    before = session.session_key
    assert client.cookies["sessionid"].value == before

    assert attempt(client, "gaizhou", PASSWORD).status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["language_note"] == "before login"  # kept, under the new key


def test_an_idle_session_ends(client, users, settings, monkeypatch):
    assert settings.SESSION_COOKIE_AGE == 60 * 60 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert attempt(client, "gaizhou", PASSWORD).status_code == 302
    logged_in = timezone.now()
    page = reverse("projects:project_list")

    def at(minutes):
        monkeypatch.setattr(
            timezone, "now", lambda: logged_in + datetime.timedelta(minutes=minutes)
        )
        return client.get(page)

    assert at(50).status_code == 200  # in use: the session's end moves to 110 minutes
    assert at(100).status_code == 200  # still in use: now 160
    response = at(161)  # an hour without a request
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_a_disabled_users_session_ends_on_the_next_request(client, users):
    assert attempt(client, "gaizhou", PASSWORD).status_code == 302
    key = client.cookies["sessionid"].value
    page = reverse("projects:project_list")
    assert client.get(page).status_code == 200

    User.objects.filter(pk=users.gaizhou.pk).update(is_active=False)
    response = client.get(page)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not Session.objects.filter(session_key=key).exists()
    # Enabled again, the user must log in again: the old session does not come back.
    User.objects.filter(pk=users.gaizhou.pk).update(is_active=True)
    assert client.get(page).status_code == 302


def test_demo_password_still_logs_in(client, users):
    users.gaizhou.set_password("gaibo-demo")
    users.gaizhou.save()
    assert attempt(client, "gaizhou", "gaibo-demo").status_code == 302


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-1", "密码太短：至少需要 10 个字符。"),
        ("1234567890", "这个密码太常见了。"),
        ("8405719362", "密码只包含数字。"),
        ("newclerk2024", "密码跟 用户名 太相似了。"),
    ],
)
def test_weak_passwords_are_refused_where_passwords_are_set(client, users, password, message):
    client.force_login(users.admin)
    response = client.post(
        reverse("admin:gaibo_user_add"),
        {
            "username": "newclerk2024",
            "usable_password": "true",
            "password1": password,
            "password2": password,
            "role": users.gaizhou.role,
            "district": users.gaizhou.district_id,
        },
    )
    assert message in response.context["adminform"].form.errors["password2"]
    assert not User.objects.filter(username="newclerk2024").exists()

    if password != "newclerk2024":  # the similarity is to the new user's name
        response = client.post(
            reverse("admin:auth_user_password_change", args=[users.gaizhou.pk]),
            {"password1": password, "password2": password},
        )
        assert message in response.context["form"].errors["password2"]
        users.gaizhou.refresh_from_db()
        assert users.gaizhou.check_password(PASSWORD)


def test_a_user_changes_their_own_password_under_the_validators(client, users):
    client.force_login(users.gaizhou)
    url = reverse("password_change")
    weak = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200
    errors = weak.context["form"].errors["new_password2"]
    assert "密码太短：至少需要 10 个字符。" in errors and "密码只包含数字。" in errors
    assert "密码只包含数字。" in weak.content.decode()
    users.gaizhou.refresh_from_db()
    assert users.gaizhou.check_password(PASSWORD)

    strong = "营口改薄-2024-春"
    done = client.post(
        url, {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong}
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_change_done")
    users.gaizhou.refresh_from_db()
    assert users.gaizhou.check_password(strong)
    assert client.get(reverse("projects:project_list")).status_code == 200  # still signed in
