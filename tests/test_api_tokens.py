"""The provincial platform reads the dashboard's JSON with a key: as the key's user, within
that user's district, and not at all once the key is revoked or expired or the user disabled."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from gaibo.api_tokens import api_token_issue
from gaibo.models import ApiToken

pytestmark = pytest.mark.django_db

API = "/dashboard/api/"


def get(client, key, **params):
    return client.get(API, params, headers={"Authorization": f"Bearer {key}"})


def test_a_key_reads_the_json_of_its_users_district_only(client, tree, users):
    _token, key = api_token_issue(user=users.city, name="省级平台")
    response = get(client, key, district="210800", month="2024-05")
    assert response.status_code == 200
    assert response.json()["district"]["name"] == "营口市"
    assert {child["name"] for child in response.json()["children"]} == {"盖州市", "大石桥市"}
    assert get(client, key, district="210300", month="2024-05").status_code == 404
    summary = client.get(
        reverse("dashboard:summary_data"),
        {"district": "210800", "first_year": "2021", "last_year": "2025"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert summary.status_code == 200
    # The key opens the JSON, not the pages.
    page = client.get(reverse("dashboard:district"), headers={"Authorization": f"Bearer {key}"})
    assert page.status_code == 302 and "/login/" in page["Location"]


def test_a_wrong_revoked_or_expired_key_or_a_disabled_user_gets_401(client, tree, users):
    token, key = api_token_issue(user=users.city, name="省级平台")
    assert get(client, key).status_code == 200
    wrong = get(client, key[:-1] + ("A" if key[-1] != "A" else "B"))
    assert wrong.status_code == 401
    assert wrong.json()["errors"]["__all__"][0]["message"] == "API 密钥错误、已过期或已被吊销。"
    assert wrong["WWW-Authenticate"].startswith("Bearer")

    users.city.is_active = False
    users.city.save()
    assert get(client, key).status_code == 401
    users.city.is_active = True
    users.city.save()

    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert get(client, key).status_code == 401

    token, key = api_token_issue(user=users.city, name="省级平台")
    assert get(client, key).status_code == 200
    call_command("api_token", "revoke", token.prefix, stdout=StringIO())
    assert get(client, key).status_code == 401


def test_the_key_is_shown_once_and_stored_as_a_hash(tree, users):
    out = StringIO()
    call_command("api_token", "issue", users.province.username, "--name", "省级平台", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    assert key.startswith("gaibo_") and len(key) > 40
    token = ApiToken.objects.get()
    assert key not in {token.key_hash, token.prefix} and token.prefix in key
    listing = StringIO()
    call_command("api_token", "list", stdout=listing)
    assert token.prefix in listing.getvalue() and key not in listing.getvalue()
    with pytest.raises(CommandError):
        call_command("api_token", "issue", "nobody", "--name", "省级平台", stdout=StringIO())


def test_a_use_is_recorded(client, tree, users):
    token, key = api_token_issue(user=users.city, name="省级平台")
    assert token.last_used_at is None
    get(client, key)
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("arguments", [["--name", " "], ["--name", "省级平台", "--days", "0"]])
def test_a_bad_issue_is_told_not_a_traceback(tree, users, arguments):
    with pytest.raises(CommandError):
        call_command("api_token", "issue", users.city.username, *arguments, stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_an_administrator_revokes_keys_in_the_admin_and_cannot_edit_them(client, tree, users):
    token, key = api_token_issue(user=users.city, name="省级平台")
    client.force_login(users.admin)
    changelist = reverse("admin:gaibo_apitoken_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and token.prefix in page.content.decode()
    assert key not in page.content.decode()
    assert client.get(reverse("admin:gaibo_apitoken_add")).status_code == 403
    client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert get(client, key).status_code == 401
