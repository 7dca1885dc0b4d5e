"""Pages kept between requests while the data has not changed.

A dashboard page costs its database statements and a large template; the same page asked for
again, with nothing written since, is the same page. `kept` keeps what a view draws under a key
made of:
- the user (what a page shows depends on who asks: the access rules, the role);
- what the view names (its name and the full path with the query string);
- the language and today's date (alerts count days from today);
- the data version (gaibo/data_version.py), a token every commit that changed data replaces.

A change of data, of a user's district, role or rights, is a commit, so it shows at once (the
lines of a report being entered, which no page counts yet, raise no version: reports.apps). A
request whose own transaction has written (uncommitted) neither reads nor keeps a page.
GAIBO_PAGE_CACHE_SECONDS bounds how long a page is kept at all; 0 turns this off.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from gaibo import data_version


def key(request, name: str, version: str) -> str:
    parts = (
        name,
        request.get_full_path(),
        request.user.pk,
        get_language(),
        timezone.localdate().isoformat(),
        version,
    )
    return "gaibo.page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def kept(request, name: str, draw):
    """What draw() returns for this request: from the cache when the same user asked for the same
    page today with the same data, else drawn (and kept)."""
    seconds = settings.GAIBO_PAGE_CACHE_SECONDS
    if seconds <= 0 or data_version.pending():
        return draw()
    version = data_version.current()  # before the data is read (see data_version)
    if version is None:
        return draw()
    page_key = key(request, name, version)
    value = cache.get(page_key)
    if value is None:
        value = draw()
        if not data_version.pending():
            cache.set(page_key, value, seconds)
    return value
