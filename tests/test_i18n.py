"""Every UI string exists in Chinese and English, and every key a page asks for exists."""

import re

from gridwatch import i18n
from gridwatch.paths import ROOT


def test_every_string_has_both_languages():
    for key, entry in i18n.catalogue().items():
        assert set(entry) == set(i18n.LANGS), key
        assert all(entry[lang].strip() for lang in i18n.LANGS), key


def test_placeholders_agree_between_languages():
    for key, entry in i18n.catalogue().items():
        found = {lang: set(re.findall(r"{(\w+)", entry[lang])) for lang in i18n.LANGS}
        assert found["zh"] == found["en"], key


def test_literal_keys_used_in_code_exist():
    used = set()
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("gridwatch/**/*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""", path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in i18n.catalogue())
    assert not missing


def test_code_labels():
    assert i18n.label("risk_level", "red") == "重大风险（红）"
    assert i18n.label("risk_level", "red", "en") == "Major risk (red)"
    assert i18n.label("risk_level", "purple") == "purple"


def test_lists_are_joined_in_the_language():
    assert i18n.join(["东镇", "西镇"], "zh") == "东镇、西镇"
    assert i18n.join(["东镇", "西镇"], "en") == "东镇, 西镇"
    assert i18n.join(["a、b", "c"], "zh", clauses=True) == "a、b；c"
    assert i18n.join(["a, b", "c"], "en", clauses=True) == "a, b; c"
    assert i18n.join([], "en") == ""


def test_each_language_is_named_in_its_own_script():
    assert {code: i18n.language_name(code) for code in i18n.LANGS} == {"zh": "中文", "en": "English"}
    for code in i18n.LANGS:
        assert all(i18n.text(f"app.language_name.{code}", lang).strip() for lang in i18n.LANGS)


def test_sign_in_page_offers_the_other_language_by_its_own_name():
    from gridwatch import web

    assert '<html lang="zh-CN">' in web.page_html("zh", "/") and ">English</a>" in web.page_html("zh", "/")
    assert '<html lang="en">' in web.page_html("en", "/") and ">中文</a>" in web.page_html("en", "/")


# Parts of a string that are not prose: placeholders, code spans, digit groups (32,767), times,
# addresses and Markdown link targets.
NOT_PROSE = re.compile(r"\{[^{}]*\}|`[^`]*`|\d,\d|\d:\d|https?://\S+|\]\([^)]*\)")


def test_each_language_writes_its_own_brackets_and_punctuation():
    """English uses ASCII brackets, colons and commas; Chinese the full-width forms, for every key."""
    for key, entry in i18n.catalogue().items():
        english = set(NOT_PROSE.sub("", entry["en"])) & set("（）：，；？！、。【】")
        chinese = set(NOT_PROSE.sub("", entry["zh"])) & set("():;,?!")
        assert not english, f"{key}: full-width {''.join(sorted(english))} in English"
        assert not chinese, f"{key}: ASCII {''.join(sorted(chinese))} in Chinese"
