"""Every UI string exists in Chinese and English, and every key a page asks for exists."""

import ast
import re

import pytest

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


SOURCES = [ROOT / "app.py", *sorted(ROOT.glob("pages/*.py")), *sorted(ROOT.glob("gridwatch/**/*.py"))]
# ui.t, ui.md and i18n.text take a whole key; ui.formatter a table of keys.
TEXT_CALLS = {"t", "md", "text"}
TABLE_CALLS = {"formatter"}


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _head(arg: ast.expr) -> tuple[str, bool] | None:
    """A key argument's literal text and whether it is the whole key (an f-string: the text before its first value)."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value, True
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        return arg.values[0].value, False
    return None


def _wrapper_prefix(node: ast.AST) -> str | None:
    """``lambda key: i18n.text(f"area.{key}", …)`` or a ``def`` returning that: the prefix it adds."""
    if isinstance(node, ast.Lambda):
        params, body = node.args.args, node.body
    elif isinstance(node, ast.FunctionDef) and len(node.body) == 1 and isinstance(node.body[0], ast.Return):
        params, body = node.args.args, node.body[0].value
    else:
        return None
    if not (params and isinstance(body, ast.Call) and _name(body.func) in TEXT_CALLS and body.args):
        return None
    key = body.args[0]
    if (isinstance(key, ast.JoinedStr) and len(key.values) == 2 and isinstance(key.values[0], ast.Constant)
            and isinstance(key.values[1], ast.FormattedValue)
            and getattr(key.values[1].value, "id", None) == params[0].arg):
        return key.values[0].value
    return None


def _error_prefixes() -> dict[str, str]:
    """Each ``i18n.LocalisedError`` subclass in the code → the prefix its codes take."""
    out = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(_name(b) == "LocalisedError" for b in node.bases):
                prefix = next(s.value.value for s in node.body if isinstance(s, ast.Assign)
                              and [_name(t) for t in s.targets] == ["prefix"])
                out[node.name] = prefix
    return out


class _KeysUsed(ast.NodeVisitor):
    """Every key (or key prefix) the code names literally, with its line, wrappers resolved by scope."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        self.scopes: list[dict[str, str]] = []
        self.found: list[tuple[int, str, bool]] = []

    def _scope(self, node) -> None:
        wrappers = {}
        for statement in node.body:
            if isinstance(statement, ast.FunctionDef) and _wrapper_prefix(statement) is not None:
                wrappers[statement.name] = _wrapper_prefix(statement)
            if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                    and isinstance(statement.targets[0], ast.Name) and _wrapper_prefix(statement.value) is not None):
                wrappers[statement.targets[0].id] = _wrapper_prefix(statement.value)
        self.scopes.append(wrappers)
        self.generic_visit(node)
        self.scopes.pop()

    visit_Module = visit_FunctionDef = visit_AsyncFunctionDef = _scope

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        head = _head(node.args[0]) if node.args else None
        wrapper = next((s[name] for s in reversed(self.scopes) if name in s), None)
        if head is not None:
            text, whole = head
            if wrapper is not None and isinstance(node.func, ast.Name):
                self.found.append((node.lineno, wrapper + text, whole))
            elif name in TEXT_CALLS:
                self.found.append((node.lineno, text, whole))
            elif name in TABLE_CALLS:
                self.found.append((node.lineno, text + ".", False))
            elif name in self.errors:
                self.found.append((node.lineno, self.errors[name] + text, whole))
        self.generic_visit(node)


def keys_used() -> list[tuple[str, int, str, bool]]:
    """(file, line, key or prefix, whole key?) for every key the library, app and pages name literally."""
    errors = _error_prefixes()
    out = []
    for path in SOURCES:
        visitor = _KeysUsed(errors)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        out += [(str(path.relative_to(ROOT)), line, key, whole) for line, key, whole in visitor.found]
    return out


def test_literal_keys_used_in_code_exist():
    """Every key named in gridwatch/, pages/ and app.py exists in both languages: whole keys given
    to t/md/text (and to wrappers such as ``say = lambda key: i18n.text(f"briefing.{key}")``), the
    codes of errors people read, and the literal start of keys built from values."""
    catalogue = i18n.catalogue()
    used = keys_used()
    missing = [(path, line, key) for path, line, key, whole in used
               if (key not in catalogue if whole else not any(k.startswith(key) for k in catalogue))]
    assert not missing
    # The scan sees the library, the errors and the wrappers, not only the pages.
    named = {key for _, _, key, _ in used}
    assert {"metrics.not_recorded.value", "data_import.mapping_error.not_flag", "auth.config_error.bad_role",
            "auth.rules_error.negative", "app.font_missing", "briefing.summary.rectified",
            "register.in_campaign", "coverage.col."} <= named


def test_the_key_scan_would_see_a_missing_key():
    tree = ast.parse('''
say = lambda key, **kw: i18n.text(f"briefing.summary.{key}", lang, **kw)
def f():
    t = lambda key: i18n.text(f"coverage.col.{key}", lang)
    t("no_such_column")
    raise MappingError("no_such_code", "where")
say("no_such_sentence")
ui.formatter("no_such_table")
''')
    visitor = _KeysUsed({"MappingError": "data_import.mapping_error."})
    visitor.visit(tree)
    assert [(key, whole) for _, key, whole in visitor.found] == [
        ("briefing.summary.", False), ("coverage.col.", False), ("coverage.col.no_such_column", True),
        ("data_import.mapping_error.no_such_code", True), ("briefing.summary.no_such_sentence", True),
        ("no_such_table.", False)]


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
        if key.startswith("plotly.format."):
            continue  # comma-separated lists handed to plotly.js, not prose
        english = set(NOT_PROSE.sub("", entry["en"])) & set("（）：，；？！、。【】")
        chinese = set(NOT_PROSE.sub("", entry["zh"])) & set("():;,?!")
        assert not english, f"{key}: full-width {''.join(sorted(english))} in English"
        assert not chinese, f"{key}: ASCII {''.join(sorted(chinese))} in Chinese"


def test_errors_people_read_speak_both_languages(monkeypatch):
    from gridwatch import admin, pdf, rules

    monkeypatch.delenv("GRIDWATCH_CJK_FONT", raising=False)
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    with pytest.raises(pdf.FontMissing) as missing:
        pdf.cjk_font()
    assert str(missing.value).startswith("No Chinese font found: install Debian's fonts-noto-cjk")
    assert missing.value.message("zh").startswith("没有找到中文字体")
    good = rules.rules_file().read_text(encoding="utf-8")
    with pytest.raises(admin.RulesError) as bad:
        admin.check_rules(good.replace("red = 30", "red = -30").replace("blue = 365", "blue = -365"))
    # The list of rules is joined in the reader's language.
    assert str(bad.value) == "these rules must be non-negative numbers: interval_red, interval_blue"
    assert bad.value.message("zh") == "这些规则应为非负数：interval_red、interval_blue"


def test_english_counts_take_the_right_word(monkeypatch):
    monkeypatch.setitem(i18n.catalogue(), "test.count", {"zh": "立案 {n} 起", "en": "{n} {n:case|cases} filed"})
    assert [i18n.text("test.count", "en", n=n) for n in (0, 1, "1", 2, "1,234", "1.0", "—")] == [
        "0 cases filed", "1 case filed", "1 case filed", "2 cases filed", "1,234 cases filed", "1.0 case filed",
        "— cases filed"]
    assert i18n.text("test.count", "zh", n=1) == "立案 1 起"


def test_the_brief_says_one_case_not_one_cases():
    line = i18n.text("briefing.summary.enforcement", "en", listed="0", cases="1", tipoffs="1")
    assert line == "0 enterprises were newly listed, 1 case filed and 1 tip-off received."
