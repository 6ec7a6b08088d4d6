import gettext
import re
from pathlib import Path

import phocap

LOCALE = Path(phocap.__file__).parent / "locale"


def po_entries(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    entries = {}
    for m in re.finditer(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', text, re.M):
        msgid = "".join(re.findall(r'"(.*)"', m.group(1)))
        if msgid:
            entries[msgid] = "".join(re.findall(r'"(.*)"', m.group(2)))
    return entries


def test_every_interface_string_has_an_english_translation_and_the_compiled_catalogue_is_current():
    po = LOCALE / "en" / "LC_MESSAGES" / "django.po"
    entries = po_entries(po)
    assert len(entries) > 150
    assert [k for k, v in entries.items() if not v] == []
    assert "#, fuzzy" not in po.read_text(encoding="utf-8").split("\n\n", 1)[1]
    with (LOCALE / "en" / "LC_MESSAGES" / "django.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = [
        k for k, v in entries.items() if compiled.gettext(k.replace('\\"', '"')) != v.replace('\\"', '"')
    ]
    assert stale == [], "run: msgfmt -o django.mo django.po"
