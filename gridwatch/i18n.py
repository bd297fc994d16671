"""UI text in Chinese (default) and English.

Strings live in ``gridwatch/locales/<area>.toml``; each leaf is a table with a
``zh`` and an ``en`` entry, addressed as ``"<area>.<key>"`` (dotted for nested
tables). A test checks that every leaf has both languages, that each writes its own
punctuation, and that every key the code names exists. Errors people read carry a key
and values (``LocalisedError``), so a page says them in the reader's language.
"""

import string
import tomllib
from functools import lru_cache

from gridwatch.paths import LOCALES_DIR

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
# How items of a list, and clauses that may hold lists themselves, are joined for people.
_SEPARATORS = {"zh": ("、", "；"), "en": (", ", "; ")}


def _flatten(prefix: str, table: dict, out: dict) -> None:
    if set(table) & set(LANGS) and all(isinstance(v, str) for v in table.values()):
        out[prefix] = table
        return
    for key, value in table.items():
        if not isinstance(value, dict):
            raise ValueError(f"locale entry {prefix}.{key} must be a table with zh and en")
        _flatten(f"{prefix}.{key}", value, out)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """Every UI string by key, each a dict of language → text."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALES_DIR.glob("*.toml")):
        with open(path, "rb") as f:
            _flatten(path.stem, tomllib.load(f), out)
    return out


def text(key: str, lang: str = DEFAULT_LANG, /, **values) -> str:
    """The string for ``key`` in ``lang``, formatted with ``values``."""
    entry = catalogue().get(key)
    if entry is None:
        raise KeyError(f"no UI string {key!r} in {LOCALES_DIR}")
    template = entry.get(lang) or entry[DEFAULT_LANG]
    return _FORMATTER.format(template, **values) if values else template


class _Formatter(string.Formatter):
    """``str.format`` plus ``{n:hazard|hazards}``: the word for the count ``n`` (English plurals).

    The count may be a number or the text shown for it (``"1,234"``); anything that is not
    exactly one takes the second word. Chinese needs no such field.
    """

    def format_field(self, value, format_spec: str) -> str:
        if "|" not in format_spec:
            return super().format_field(value, format_spec)
        one, many = format_spec.split("|", 1)
        try:
            count = float(str(value).replace(",", ""))
        except ValueError:
            return many
        return one if count == 1 else many


_FORMATTER = _Formatter()


def language_name(code: str) -> str:
    """A language named in its own script (``zh`` → 中文, ``en`` → English), as a language switch shows it."""
    return text(f"app.language_name.{code}", code)


def join(items, lang: str = DEFAULT_LANG, clauses: bool = False) -> str:
    """Items joined for people: ``甲、乙`` / ``a, b``; ``clauses`` joins parts that may hold lists (``；`` / ``; ``)."""
    item, clause = _SEPARATORS.get(lang, _SEPARATORS[DEFAULT_LANG])
    return (clause if clauses else item).join(str(i) for i in items)


def label(kind: str, code, lang: str = DEFAULT_LANG) -> str:
    """The display label of a code (``label('risk_level', 'red')`` → 重大风险（红）)."""
    if code is None or (isinstance(code, float) and code != code):
        return ""
    entry = catalogue().get(f"codes.{kind}.{code}")
    return (entry.get(lang) or entry[DEFAULT_LANG]) if entry else str(code)


class LocalisedError(Exception):
    """An error people read: a locale key (``prefix`` + ``code``) and the values it names.

    ``str(error)`` is the English text (logs, the command line); ``error.message(lang)`` the
    text in ``lang``, as a page shows it. A list or tuple value is joined in that language.
    A test checks that every code raised with a literal exists in both languages.
    """

    prefix = ""

    def __init__(self, code: str, /, **values):
        self.key = self.prefix + code
        self.values = values
        super().__init__(self.message("en"))

    def message(self, lang: str = DEFAULT_LANG, escape=None) -> str:
        """The error in ``lang``; ``escape`` (e.g. ``safe.md``) is applied to each text value."""
        values = {k: join(v, lang) if isinstance(v, list | tuple) else v for k, v in self.values.items()}
        if escape is not None:
            values = {k: escape(v) if isinstance(v, str) else v for k, v in values.items()}
        return text(self.key, lang, **values)
