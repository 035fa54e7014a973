"""The Malay and Danish catalogues cover every string of the app, and the compiled .mo
files are up to date with the .po files."""

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
LANGUAGES = ["ms", "da"]


def _catalog(language: str, kind: str):
    path = TRANSLATIONS / language / "LC_MESSAGES" / f"messages.{kind}"
    with path.open("rb") as f:
        return read_po(f, locale=language) if kind == "po" else read_mo(f)


def _extracted_ids() -> set[str]:
    """What `pybabel extract -F babel.cfg -k _l -k lazy_gettext` finds."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    return {message[2] if isinstance(message[2], str) else message[2][0]
            for message in extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language):
    untranslated = [m.id for m in _catalog(language, "po") if m.id and (
        m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))]
    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_of_the_app_is_in_the_catalogue(language):
    catalog = _catalog(language, "po")
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    extracted = _extracted_ids()
    assert {"Invoices", "Discount (%%)", "Ready to invoice"} <= extracted  # extraction works
    assert sorted(extracted - known) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language):
    def messages(catalog):
        return {(m.id if isinstance(m.id, str) else tuple(m.id)):
                (m.string if isinstance(m.string, str) else tuple(m.string))
                for m in catalog if m.id}

    compiled = messages(_catalog(language, "mo"))
    assert compiled["Invoices"] == {"ms": "Invois", "da": "Fakturaer"}[language]
    assert messages(_catalog(language, "po")) == compiled
