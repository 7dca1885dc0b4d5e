import datetime

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone, translation

# A session's end is moved forward at most this often (a session write per request otherwise).
SESSION_RENEWAL = datetime.timedelta(minutes=1)
SEEN_KEY = "gaibo_seen"


class LanguageMiddleware:
    """Simplified Chinese unless the user chose another language in the interface.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language header: the
    bureaus' default is Chinese whatever the machine's browser says.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class SessionLifetimeMiddleware:
    """Keeps a signed-in session alive while it is used, and ends one whose user was disabled.

    A session expires SESSION_COOKIE_AGE after it was last saved; saving it at most once a
    minute on use makes that an idle timeout. A session whose user can no longer sign in
    (disabled, or deleted) is flushed on its next request, not merely ignored, so enabling
    the user again does not bring it back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            if not request.user.is_authenticated:
                session.flush()
            else:
                now = timezone.now()
                seen = session.get(SEEN_KEY)
                seen = datetime.datetime.fromisoformat(seen) if seen else request.user.last_login
                if seen is None or now - seen >= SESSION_RENEWAL:
                    session[SEEN_KEY] = now.isoformat()
        return self.get_response(request)


def client_ip(request) -> str | None:
    """The client's address for the login throttle: nginx's X-Real-IP when the app is
    configured as running behind it (GAIBO_BEHIND_PROXY), else the connection's address."""
    if settings.GAIBO_BEHIND_PROXY and request.META.get("HTTP_X_REAL_IP"):
        return request.META["HTTP_X_REAL_IP"].strip()
    return request.META.get("REMOTE_ADDR")
