"""The Chinese interface is complete: every message has a translation, and the compiled file
that Django reads matches the source file that people edit."""

from pathlib import Path

import polib
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_is_translated():
    po = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated and not fuzzy


def test_compiled_messages_match_the_source():
    po = polib.pofile(str(LOCALE / "django.po")).translated_entries()
    mo = polib.mofile(str(LOCALE / "django.mo"))

    def pairs(catalogue):
        return {
            (entry.msgid, entry.msgstr or tuple(sorted(entry.msgstr_plural.items())))
            for entry in catalogue
            if entry.msgid
        }

    assert pairs(po) == pairs(mo), "run `make messages` to recompile django.mo"
