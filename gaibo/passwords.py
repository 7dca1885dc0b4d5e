"""Password rules beyond Django's own validators (AUTH_PASSWORD_VALIDATORS)."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with a message that is translated: Django 5.2's message id
    ("…at least %d characters") no longer matches its Chinese catalogue's, so its Chinese
    users would read the English."""

    def get_error_message(self):
        return _("This password is too short: it must have at least %(min_length)s characters.") % {
            "min_length": self.min_length
        }

    def get_help_text(self):
        return _("Your password must have at least %(min_length)s characters.") % {
            "min_length": self.min_length
        }
