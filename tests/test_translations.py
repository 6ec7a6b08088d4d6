import gettext
import re
from pathlib import Path

import phocap

LOCALE = Path(phocap.__file__).parent / "locale"


def po_entries(path: Path) -> dict[tuple[str, str], str]:
    """{(context, msgid): msgstr} for every entry of a .po file."""
    text = path.read_text(encoding="utf-8")
    entries = {}
    pattern = r'^(?:msgctxt "(.*)"\n)?msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)'
    for m in re.finditer(pattern, text, re.M):
        msgid = "".join(re.findall(r'"(.*)"', m.group(2)))
        if msgid:
            entries[(m.group(1) or "", msgid)] = "".join(re.findall(r'"(.*)"', m.group(3)))
    return entries


def lookup(catalogue: gettext.GNUTranslations, context: str, msgid: str) -> str:
    msgid = msgid.replace('\\"', '"')
    return catalogue.pgettext(context, msgid) if context else catalogue.gettext(msgid)


def test_every_interface_string_has_an_english_translation_and_the_compiled_catalogue_is_current():
    po = LOCALE / "en" / "LC_MESSAGES" / "django.po"
    entries = po_entries(po)
    assert len(entries) > 150
    assert [k for k, v in entries.items() if not v] == []
    assert "#, fuzzy" not in po.read_text(encoding="utf-8").split("\n\n", 1)[1]
    with (LOCALE / "en" / "LC_MESSAGES" / "django.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = [key for key, v in entries.items() if lookup(compiled, *key) != v.replace('\\"', '"')]
    assert stale == [], "run: msgfmt -o django.mo django.po"


def test_every_string_marked_in_templates_and_code_is_in_the_catalogue():
    """Catches a new interface string added without running `makemessages`."""
    root = LOCALE.parent
    ids = {msgid.replace('\\"', '"') for _, msgid in po_entries(LOCALE / "en" / "LC_MESSAGES" / "django.po")}
    marked: set[str] = set()
    for template in root.rglob("*.html"):
        marked |= set(re.findall(r'{% translate "([^"]+)"', template.read_text(encoding="utf-8")))
    for module in root.rglob("*.py"):
        if "migrations" not in module.parts:
            marked |= set(re.findall(r'\b_\("([^"]+)"\)', module.read_text(encoding="utf-8")))
    assert len(marked) > 100
    missing = sorted(marked - ids)
    assert missing == [], "run: phocap manage makemessages -l en, then translate"
