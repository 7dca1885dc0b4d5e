"""Production settings: `check --deploy` is clean, every page carries a Content-Security-Policy
that allows no inline script, templates hold no inline script or style, cookies are HttpOnly
(and Secure over HTTPS)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "GAIBO_DEBUG": "false",
    "GAIBO_SECRET_KEY": "k8#Qz3!vN0pL7@wX2rT9&yB4mC6^sD1(eF5)gH8*jK0-aZ3_uV7",
    "GAIBO_ALLOWED_HOSTS": "gaibo.yingkou.example.cn",
    "GAIBO_BEHIND_PROXY": "true",
}


def manage(*args, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GAIBO_", "DJANGO_", "PYTEST_"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = manage("check", **{**PRODUCTION, "GAIBO_SECRET_KEY": ""})
    assert result.returncode != 0 and "GAIBO_SECRET_KEY must be set" in result.stderr


def test_production_cookies_and_headers():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.CSRF_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_PROXY_SSL_HEADER)"
    )
    result = manage("shell", "--no-imports", "-c", code, **PRODUCTION)
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "True",
        "31536000",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ], result.stderr


TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event handler attribute"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_templates_hold_no_inline_script_or_style():
    found = []
    templates = [path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html")]
    assert len(templates) > 20
    for path in templates:
        text = path.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                found.append(f"{path.relative_to(ROOT)}: {what}: {match.group(0)!r}")
    assert found == []


@pytest.mark.django_db
def test_pages_carry_the_content_security_policy_and_httponly_cookies(client, users):
    response = client.post(
        reverse("login"), {"username": "gaizhou", "password": PASSWORD}, follow=True
    )
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        assert client.cookies[name]["httponly"], name
    page = client.get(reverse("projects:project_list"))
    assert page.status_code == 200 and "Content-Security-Policy" in page
    assert page["X-Frame-Options"] == "DENY"
