"""Keep the translations in step with the code: ``python scripts/i18n.py extract|update|check``.

The catalogues are gettext ``.po`` files managed with Babel (``locale/messages.pot``,
``locale/<lang>/LC_MESSAGES/messages.po``); the app reads them at run time
(:mod:`ui.i18n`), so there is nothing to compile.

* ``extract`` scans the files ``babel.cfg`` names for ``_()``, ``ngettext()`` and
  ``N_()`` and writes ``locale/messages.pot`` (no line numbers, so the template only
  changes when a message does);
* ``update`` brings every language's catalogue in step with the template: new
  messages are added untranslated, messages gone from the code are dropped (no
  fuzzy guessing: a guess would show a wrong sentence);
* ``merge FILE.json ...`` fills the Chinese catalogue from {message id: translation} files;
* ``check`` exits with status 1, listing the problems, unless the template matches
  the code, every catalogue holds every message, every message of a translated
  language (all but English, the source) is translated and not fuzzy, and every
  translation keeps exactly the ``{placeholders}`` of its message.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"
TEMPLATE = LOCALE_DIR / "messages.pot"
MAPPING = ROOT / "babel.cfg"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"  # the messages are written in English: its catalogue may leave msgstr empty
LANGUAGES = ("en", "zh")  # ui.i18n.LANGUAGES; a test checks the two agree
# _() and N_() take the message first; ngettext(singular, plural, n) the two forms.
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:[:!][^{}]*)?\}")


def catalogue_path(language: str, root: Path = LOCALE_DIR) -> Path:
    """Where ``language``'s catalogue lives."""
    return root / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract(root: Path = ROOT, mapping: Path = MAPPING) -> Catalog:
    """Every message the code marks, as a template catalogue (message ids, source files, no line numbers)."""
    with mapping.open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    template = Catalog(project="numpy-mnist-explainer", fuzzy=False)
    for filename, _line, message, comments, context in extract_from_dir(
            root, method_map, options_map, keywords=KEYWORDS, comment_tags=("Translators:",),
            strip_comment_tags=True):
        template.add(message, None, [(filename, None)], auto_comments=comments, context=context)
    return template


HEADER = ("# {what} of the NumPy MNIST explainer.\n"
          "# Managed with Babel: python scripts/i18n.py extract | update | check (see that script).")


def _write(catalog: Catalog, path: Path, **options) -> None:
    catalog.fuzzy = False
    catalog.header_comment = HEADER.format(
        what=f"{catalog.locale.english_name} messages" if catalog.locale else "Message template")
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, include_lineno=False, sort_output=True, **options)
    path.write_bytes(buffer.getvalue())


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=locale)


def update(template: Catalog, root: Path = LOCALE_DIR) -> dict[str, int]:
    """Bring each language's catalogue in step with ``template``; returns how many messages each still lacks."""
    untranslated = {}
    for language in LANGUAGES:
        path = catalogue_path(language, root)
        catalog = _read(path, language) if path.is_file() else Catalog(locale=language, project=template.project)
        catalog.update(template, no_fuzzy_matching=True)
        _write(catalog, path, ignore_obsolete=True)
        untranslated[language] = sum(1 for message in catalog if message.id and not _translated(message))
    return untranslated


def _same(old: Catalog, new: Catalog) -> bool:
    """Same messages from the same files (then the template is not rewritten, keeping its date)."""
    def content(catalog: Catalog) -> set:
        return {(message.id if isinstance(message.id, str) else tuple(message.id),
                 tuple(sorted(path for path, _line in message.locations))) for message in catalog if message.id}
    return content(old) == content(new)


def _ids(catalog: Catalog) -> set:
    return {message.id for message in catalog if message.id}


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return all(strings) and not message.fuzzy


def _forms(value) -> list[str]:
    return list(value) if isinstance(value, (list, tuple)) else [value or ""]


def placeholders(text: str) -> set[str]:
    """The named ``{placeholders}`` of a message (``{{`` is a literal brace, not a placeholder)."""
    return set(PLACEHOLDER.findall(text.replace("{{", "").replace("}}", "")))


def problems(code: Catalog, template: Catalog, catalogues: dict[str, Catalog | None]) -> list[str]:
    """Everything ``check`` complains about, one line each (empty when all is well)."""
    found = []
    in_code, in_template = _ids(code), _ids(template)
    found += [f"messages.pot lacks {_short(i)} (run: python scripts/i18n.py extract)" for i in in_code - in_template]
    found += [f"messages.pot still has {_short(i)}, gone from the code (run: extract, then update)"
              for i in in_template - in_code]
    for language, catalog in catalogues.items():
        if catalog is None:
            found.append(f"{language}: no catalogue (run: python scripts/i18n.py update)")
            continue
        found += [f"{language}: missing {_short(i)} (run: update)" for i in in_template - _ids(catalog)]
        for message in catalog:
            if not message.id or message.id not in in_template:
                continue
            if language != SOURCE_LANGUAGE and not _translated(message):
                found.append(f"{language}: {'fuzzy' if message.fuzzy else 'untranslated'} {_short(message.id)}")
                continue
            wanted = placeholders(" ".join(_forms(message.id)))
            for text in _forms(message.string):
                if text and placeholders(text) != wanted:
                    found.append(f"{language}: placeholders {sorted(placeholders(text))} instead of "
                                 f"{sorted(wanted)} in {_short(message.id)}")
    return sorted(found)


def _short(message_id) -> str:
    text = message_id[0] if isinstance(message_id, (list, tuple)) else message_id
    return repr(text if len(text) <= 70 else text[:67] + "...")


def check(root: Path = ROOT, locale_dir: Path = LOCALE_DIR) -> list[str]:
    """The problems of the catalogues under ``locale_dir`` against the code under ``root``."""
    template = _read(locale_dir / TEMPLATE.name) if (locale_dir / TEMPLATE.name).is_file() else Catalog()
    catalogues = {language: _read(catalogue_path(language, locale_dir), language)
                  if catalogue_path(language, locale_dir).is_file() else None for language in LANGUAGES}
    return problems(extract(root), template, catalogues)


def merge(language: str, sources: list[Path], root: Path = LOCALE_DIR) -> tuple[int, list[str]]:
    """Fill ``language``'s catalogue from JSON files of {message id: translation} (the later file wins).

    Returns (messages filled, message ids that are in no catalogue: stale or mistyped, not merged).
    A translation that loses or adds a ``{placeholder}`` is not merged either (``check`` lists it).
    """
    path = catalogue_path(language, root)
    catalog = _read(path, language)
    translations: dict[str, str] = {}
    for source in sources:
        translations.update(json.loads(Path(source).read_text(encoding="utf-8")))
    filled, unknown = 0, []
    for message_id, text in translations.items():
        message = catalog.get(message_id)
        if message is None:
            unknown.append(message_id)
            continue
        if not isinstance(text, str) or not text.strip() or placeholders(text) != placeholders(message_id):
            continue
        message.string = (text,) if message.pluralizable else text
        message.flags.discard("fuzzy")
        filled += 1
    _write(catalog, path)
    return filled, unknown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("extract", "update", "check", "merge"))
    parser.add_argument("files", nargs="*", type=Path, help="merge: JSON files of {message id: Chinese}")
    arguments = parser.parse_args(argv)
    command = arguments.command
    if command == "merge":
        filled, unknown = merge("zh", arguments.files)
        print(f"zh: {filled} translations merged; {len(unknown)} message ids not in the catalogue")
        for message_id in unknown[:20]:
            print(f"  not merged: {_short(message_id)}")
        return 0
    if command == "extract":
        template = extract()
        if TEMPLATE.is_file() and _same(_read(TEMPLATE), template):
            print(f"{TEMPLATE.relative_to(ROOT)} is up to date ({len(_ids(template))} messages)")
            return 0
        _write(template, TEMPLATE)
        print(f"{len(_ids(template))} messages in {TEMPLATE.relative_to(ROOT)}")
    elif command == "update":
        for language, missing in update(_read(TEMPLATE)).items():
            print(f"{language}: {missing} messages without a translation"
                  + (" (fine for the source language)" if language == SOURCE_LANGUAGE else ""))
    else:
        found = check()
        for line in found:
            print(line)
        print(f"{len(found)} problems" if found else "catalogues complete: every message in every language")
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
