"""Keys for programs: the provincial platform reads the dashboard's JSON with
`Authorization: Bearer <key>`, as the user the key was issued to (same access rules).

A key is 43 random characters after `gaibo_`; only its SHA-256 is stored, so a copy of the
database does not give the keys away. A key expires, can be revoked, and stops working when
its user is disabled.
"""

import datetime
import functools
import hashlib
import secrets

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from gaibo.models import ApiToken

KEY_PREFIX = "gaibo_"
# How long a key is valid unless told otherwise.
DEFAULT_DAYS = 365
# The time a key was last used is written at most this often.
USE_RECORDED_EVERY = datetime.timedelta(minutes=5)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, user, name: str, days: int = DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """A new key for a user: the record, and the key itself (shown once, never stored)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=key[: len(KEY_PREFIX) + 6],
        key_hash=_hash(key),
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    token.full_clean()
    token.save()
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def user_for_key(key: str):
    """The active user a valid key was issued to, or None."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "user__district")
        .filter(key_hash=_hash(key), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= USE_RECORDED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def key_or_login_required(view):
    """A signed-in session, or a valid key in `Authorization: Bearer`. A request with a
    wrong, expired or revoked key answers 401 in JSON; one with neither goes to the login."""
    session_view = login_required(view)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        scheme, _space, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return session_view(request, *args, **kwargs)
        user = user_for_key(key.strip())
        if user is None:
            response = JsonResponse(
                {
                    "errors": {
                        "__all__": [
                            {
                                "message": _("The API key is wrong, expired or revoked."),
                                "code": "invalid_key",
                            }
                        ]
                    }
                },
                status=401,
                json_dumps_params={"ensure_ascii": False},
            )
            response.headers["WWW-Authenticate"] = 'Bearer realm="gaibo"'
            return response
        request.user = user
        return view(request, *args, **kwargs)

    return wrapper
