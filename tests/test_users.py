import pytest
from django.core.management import call_command

from gaibo.models import User


@pytest.mark.django_db
def test_createsuperuser_makes_an_administrator(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-password-1")
    call_command("createsuperuser", "--noinput", username="root", email="root@example.org")
    user = User.objects.get(username="root")
    assert user.is_superuser and user.role == "administrator" and user.sees_everything
