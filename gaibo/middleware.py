from django.conf import settings
from django.utils import translation


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
