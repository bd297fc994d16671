"""Headers and values of other systems → the warehouse's canonical columns and codes.

Headers match through the canonical name, the Chinese export header (gridwatch/columns.py),
an English form and a few common aliases, ignoring case, spaces and punctuation (full-width
included, by NFKC). A mapping file (YAML or TOML) adds a system's own headers and value codes,
and, as a **recipe**, says how each warehouse column is built from a source row::

    encoding: latin-1                     # optional: the files' text encoding
    tables:
      hazards:
        columns: {隐患ID: hazard_id}       # header aliases, as before
        values:
          level: {A类: major, B类: general}
        where:                            # keep only rows that pass every filter
          - {column: delete_flag, blank: true}
        distinct: true                    # identical rows (a flat export repeats them) load once
        fields:
          hazard_id: {concat: [activity_nr, citation_id], sep: "-"}
          found_date: {column: issuance_date, format: m/d/Y}
          category: {value: 其他}
          level: {column: gravity, map: {"10": major, "": general}}

``docs/import.md`` documents every part with an example.
"""

import codecs
import fnmatch
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

from gridwatch import i18n
from gridwatch.columns import CODED, HEADERS

# Tables in load order: a table comes after those its rows refer to.
LOAD_ORDER = ("grids", "staff", "enterprises", "inspections", "hazards", "cases", "tipoffs", "worklogs")

KEYS: dict[str, tuple[str, ...]] = {
    "grids": ("grid_id",), "staff": ("staff_id",), "enterprises": ("enterprise_id",),
    "inspections": ("inspection_id",), "hazards": ("hazard_id",), "cases": ("case_id",),
    "tipoffs": ("tipoff_id",), "worklogs": ("staff_id", "date"),
}

TABLE_NAMES: dict[str, tuple[str, ...]] = {
    "grids": ("网格",), "staff": ("人员", "执法人员"), "enterprises": ("企业", "生产经营单位"),
    "inspections": ("检查", "监察"), "hazards": ("隐患",), "cases": ("案件", "处罚"),
    "tipoffs": ("举报",), "worklogs": ("工作日志", "早五问"),
}

EXTRA_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "enterprises": {
        "enterprise_id": ("企业ID", "单位编号", "企业代码"),
        "name": ("单位名称", "生产经营单位名称"),
        "credit_code": ("信用代码", "社会信用代码"),
        "industry": ("行业", "所属行业"),
        "town": ("镇街", "乡镇街道"),
        "village": ("村居", "村社区"),
        "risk_level": ("风险级别", "风险分级"),
        "lat": ("latitude",), "lon": ("longitude", "lng"),
    },
    "inspections": {"date": ("检查时间",), "type": ("检查方式",), "lead_staff_id": ("带队人编号",),
                    "outcome": ("检查结果", "处理结果"), "score": ("得分", "检查评分")},
    "hazards": {
        "hazard_id": ("隐患ID",), "found_date": ("排查日期", "发现时间"), "level": ("隐患级别",),
        "deadline": ("整改时限", "限改日期"), "rectified_date": ("整改日期", "完成整改日期"),
        "verified_date": ("复查日期", "销号日期"), "funds_amount": ("整改资金",),
        "item": ("检查条款", "标准条款", "依据条款", "检查内容"), "rectified": ("整改情况", "是否整改", "整改完成"),
    },
    "cases": {"penalty_amount": ("罚款金额",)},
    "tipoffs": {"reward_amount": ("奖励金额",)},
}

EXTRA_VALUES: dict[str, dict[str, tuple[str, ...]]] = {
    "risk_level": {
        "red": ("红", "红色", "重大风险", "重大", "major"),
        "orange": ("橙", "橙色", "较大风险", "较大", "significant"),
        "yellow": ("黄", "黄色", "一般风险", "一般", "general"),
        "blue": ("蓝", "蓝色", "低风险", "低", "low"),
    },
    "hazard_level": {"general": ("一般", "minor", "ordinary"), "major": ("重大",)},
    "status": {
        "operating": ("正常", "在产", "生产", "在营", "营业", "active"),
        "suspended": ("停业", "停产整顿", "停工"),
        "closed": ("关停", "注销", "已关闭"),
    },
    "inspection_type": {
        "routine": ("全面检查", "日常检查", "常规检查", "例行检查"),
        "special": ("专项检查", "专项"),
        "tipoff": ("举报", "举报检查"),
        "listed": ("督办",),
        "recheck": ("复查检查",),
    },
    "grid_level": {"town": ("镇街", "镇级", "镇"), "village": ("村级", "村", "社区")},
    "measure": {"confiscation": ("没收",), "suspension": ("停产整顿", "停产停业"), "revocation": ("吊销",)},
}

TRUE_WORDS = ("是", "y", "yes", "1", "√", "✓", "✔", "true", "t", "对", "有")
FALSE_WORDS = ("否", "n", "no", "0", "×", "✗", "✘", "x", "false", "f", "无")

# Date format shorthand of a recipe (m/d/Y) → strptime directives.
_SHORTHAND = {"Y": "%Y", "y": "%y", "m": "%m", "d": "%d", "H": "%H", "M": "%M", "S": "%S", "b": "%b", "p": "%p",
              "I": "%I"}
MAX_REPEAT = 1000  # a count column that asks for more copies of a row than this is an error on that row

_NOT_WORD = re.compile(r"[\W_]+")


def fold(text) -> str:
    """The matching form of a header or value: NFKC, lower case, no spaces or punctuation."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", str(text)).lower())


def value_key(text) -> str:
    """The matching form of a cell value; symbols alone (√, ×) are kept as they are."""
    return fold(text) or str(text).strip()


class MappingError(i18n.LocalisedError):
    """A mapping file that cannot be used; the message says which entry (``where``) and why."""

    prefix = "data_import.mapping_error."

    def __init__(self, code: str, where: str, /, **values):
        super().__init__(code, where=where, **values)


@dataclass(frozen=True)
class Part:
    """One piece of a concatenation: a source column, literal text, or the copy number of ``repeat``."""

    kind: str  # "column" | "text" | "index"
    text: str = ""


@dataclass
class Field:
    """How a recipe builds one warehouse column from a source row.

    Exactly one of ``column`` (a source header), ``value`` (a constant) and ``concat`` (parts
    joined by ``sep``; blank when any source part is blank). ``formats`` read a date
    unambiguously; ``map`` replaces source values first (key ``""`` = a blank cell); ``default``
    replaces any non-blank value the map does not list (without it such values pass through).
    """

    column: str | None = None
    value: str | None = None
    concat: tuple[Part, ...] = ()
    sep: str = ""
    formats: tuple[str, ...] = ()
    map: dict[str, str] = field(default_factory=dict)
    default: str | None = None

    def sources(self) -> list[str]:
        """The source headers this field reads."""
        if self.column is not None:
            return [self.column]
        return [p.text for p in self.concat if p.kind == "column"]

    def describe(self) -> str:
        """How the field is built, as messages name it: the source header, ``a + b`` or ``"constant"``."""
        if self.column is not None:
            return self.column
        if self.concat:
            return " + ".join(p.text if p.kind == "column" else "#" if p.kind == "index" else f'"{p.text}"'
                              for p in self.concat)
        return f'"{self.value}"'

    def to_dict(self):
        """The field as a recipe file writes it (a bare header when that is all it is)."""
        out: dict = {}
        if self.column is not None:
            if not (self.formats or self.map or self.default is not None):
                return self.column
            out["column"] = self.column
        elif self.concat:
            out["concat"] = [p.text if p.kind == "column" else {"value": p.text} if p.kind == "text"
                             else {"index": "true"} for p in self.concat]
            if self.sep:
                out["sep"] = self.sep
        else:
            out["value"] = self.value
        if self.formats:
            out["format"] = self.formats[0] if len(self.formats) == 1 else list(self.formats)
        if self.map:
            out["map"] = dict(self.map)
        if self.default is not None:
            out["default"] = self.default
        return out


@dataclass(frozen=True)
class Filter:
    """A row filter: keep rows whose ``column`` is (``in``) or is not (``not_in``) one of ``values``.

    ``""`` among the values stands for a blank cell, so ``blank: true`` is ``in: [""]``.
    """

    column: str
    op: str  # "in" | "not_in"
    values: tuple[str, ...]

    def to_dict(self) -> dict:
        """The filter as a recipe file writes it."""
        if self.values == ("",):
            return {"column": self.column, "blank": "true" if self.op == "in" else "false"}
        return {"column": self.column, self.op: list(self.values)}


@dataclass
class Recipe:
    """How one target table is built from the rows of a source file (one part of a table's recipe)."""

    table: str
    fields: dict[str, Field | None] = field(default_factory=dict)
    where: tuple[Filter, ...] = ()
    file: str | None = None
    repeat: str | None = None
    distinct: bool = False

    def sources(self) -> list[str]:
        """Every source header the recipe needs; a file lacking one of them is not its source."""
        out = [h for f in self.fields.values() if f for h in f.sources()] + [f.column for f in self.where]
        if self.repeat:
            out.append(self.repeat)
        return list(dict.fromkeys(out))

    def matches_file(self, name: str) -> bool:
        """True when the recipe's ``file`` pattern (if any) names this file."""
        return self.file is None or fnmatch.fnmatch(Path(name).name.lower(), self.file.lower())

    def to_dict(self) -> dict:
        """The recipe part as a file writes it."""
        out: dict = {}
        if self.file:
            out["file"] = self.file
        if self.where:
            out["where"] = [f.to_dict() for f in self.where]
        if self.repeat:
            out["repeat"] = self.repeat
        if self.distinct:
            out["distinct"] = "true"
        out["fields"] = {c: (f.to_dict() if f is not None else "") for c, f in self.fields.items()}
        return out


@dataclass
class Mapping:
    """Header and value aliases per table, recipes per table, and how to read the files."""

    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    recipes: dict[str, list[Recipe]] = field(default_factory=dict)
    encoding: dict[str, str] = field(default_factory=dict)  # file-name pattern → encoding ("*": every file)
    delimiter: str | None = None

    def encoding_for(self, name: str) -> str | None:
        """The encoding the mapping names for this file, or None (detect it)."""
        base = Path(name).name.lower()
        for pattern, encoding in self.encoding.items():
            if fnmatch.fnmatch(base, pattern.lower()):
                return encoding
        return None

    def recipes_for(self, name: str, headers: list[str]) -> list[Recipe]:
        """The recipe parts whose file pattern fits and whose every source header the file has."""
        have = {fold(h) for h in headers if str(h).strip()}
        parts = [r for parts in self.recipes.values() for r in parts
                 if r.matches_file(name) and all(fold(s) in have for s in r.sources())]
        # A part built from constants alone fits any row: it rides along with a part that reads
        # the file, and never makes a title line the header.
        return parts if any(r.sources() for r in parts) else []

    @property
    def has_recipes(self) -> bool:
        """True when the mapping builds any table from recipes."""
        return any(self.recipes.values())

    def to_dict(self) -> dict:
        """The mapping as a file holds it."""
        out: dict = {}
        if self.encoding:
            out["encoding"] = self.encoding["*"] if list(self.encoding) == ["*"] else dict(self.encoding)
        if self.delimiter:
            out["delimiter"] = self.delimiter
        tables = {}
        for table in [t for t in HEADERS if t in set(self.columns) | set(self.values) | set(self.recipes)]:
            entry: dict = {}
            if self.columns.get(table):
                entry["columns"] = dict(self.columns[table])
            if self.values.get(table):
                entry["values"] = {c: dict(v) for c, v in self.values[table].items()}
            parts = self.recipes.get(table) or []
            if len(parts) == 1:
                entry.update(parts[0].to_dict())
                tables[table] = entry
            elif parts:
                tables[table] = [entry | parts[0].to_dict(), *[p.to_dict() for p in parts[1:]]]
            else:
                tables[table] = entry
        out["tables"] = tables
        return out

    def to_yaml(self) -> str:
        """The mapping as YAML text (Chinese kept readable)."""
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False)


_TOP_KEYS = {"tables", "encoding", "delimiter"}
_TABLE_KEYS = {"columns", "values", "fields", "where", "file", "repeat", "distinct"}
_RECIPE_KEYS = {"fields", "where", "file", "repeat", "distinct"}
_FIELD_KEYS = {"column", "value", "concat", "sep", "format", "map", "default"}
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off", ""}


def _text(value) -> str:
    # TOML keeps booleans and numbers typed; a recipe means their text.
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _flag(value, where: str) -> bool:
    text = _text(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise MappingError("not_flag", where, value=value)


def date_formats(spec, where: str) -> tuple[str, ...]:
    """strptime formats from a recipe's ``format`` (``m/d/Y`` shorthand or ``%m/%d/%Y``; one or a list)."""
    items = spec if isinstance(spec, list) else [spec]
    out = []
    for item in items:
        text = _text(item).strip()
        fmt = text if "%" in text else "".join(_SHORTHAND.get(ch, ch) for ch in text)
        if not fmt or not ("%Y" in fmt or "%y" in fmt) or not ("%m" in fmt or "%b" in fmt) or "%d" not in fmt:
            raise MappingError("not_date_format_hint", where, text=text)
        try:
            datetime.strptime(datetime(2016, 6, 7, 13, 5, 9).strftime(fmt), fmt)
        except ValueError:
            raise MappingError("not_date_format", where, text=text) from None
        out.append(fmt)
    return tuple(out)


def _field(spec, table: str, column: str, where: str) -> Field | None:
    if isinstance(spec, str | int | float) and not isinstance(spec, bool):
        text = _text(spec).strip()
        return Field(column=text) if text else None
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise MappingError("field_shape", where)
    unknown = set(spec) - _FIELD_KEYS
    if unknown:
        raise MappingError("unknown_key", where, key=sorted(unknown)[0], keys=sorted(_FIELD_KEYS))
    kinds = [k for k in ("column", "value", "concat") if k in spec]
    if len(kinds) != 1:
        raise MappingError("one_source", where)
    out = Field()
    if "column" in spec:
        out.column = _text(spec["column"]).strip()
        if not out.column:
            raise MappingError("empty_header", f"{where}.column")
    elif "value" in spec:
        out.value = _text(spec["value"])
    else:
        parts = spec["concat"]
        if not isinstance(parts, list) or not parts:
            raise MappingError("concat_list", f"{where}.concat")
        built = []
        for i, part in enumerate(parts):
            if isinstance(part, dict) and set(part) == {"value"}:
                built.append(Part("text", _text(part["value"])))
            elif isinstance(part, dict) and set(part) == {"index"}:
                built.append(Part("index"))
            elif not isinstance(part, dict | list) and _text(part).strip():
                built.append(Part("column", _text(part).strip()))
            else:
                raise MappingError("concat_part", f"{where}.concat[{i}]")
        out.concat = tuple(built)
        out.sep = _text(spec.get("sep", ""))
    if "format" in spec:
        if HEADERS_TYPES.get((table, column)) != "date":
            raise MappingError("not_date_column", f"{where}.format", column=column)
        out.formats = date_formats(spec["format"], f"{where}.format")
    if "map" in spec:
        pairs = spec["map"]
        if not isinstance(pairs, dict):
            raise MappingError("map_pairs", f"{where}.map")
        out.map = {_text(k).strip(): _text(v) for k, v in pairs.items()}
    if "default" in spec:
        out.default = _text(spec["default"])
    return out


def _filters(spec, where: str) -> tuple[Filter, ...]:
    items = spec if isinstance(spec, list) else [spec]
    out = []
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        if not isinstance(item, dict) or not _text(item.get("column", "")).strip():
            raise MappingError("filter_shape", here)
        ops = set(item) - {"column"}
        if len(ops) != 1 or not ops <= {"in", "not_in", "blank"}:
            raise MappingError("filter_op", here)
        column = _text(item["column"]).strip()
        op = ops.pop()
        if op == "blank":
            out.append(Filter(column, "in" if _flag(item["blank"], f"{here}.blank") else "not_in", ("",)))
            continue
        values = item[op] if isinstance(item[op], list) else [item[op]]
        out.append(Filter(column, op, tuple(_text(v).strip() for v in values)))
    return tuple(out)


def _recipe(table: str, entry: dict, where: str) -> Recipe:
    fields_spec = entry.get("fields") or {}
    if not isinstance(fields_spec, dict):
        raise MappingError("fields_pairs", f"{where}.fields")
    recipe = Recipe(table)
    for column, spec in fields_spec.items():
        if column not in HEADERS[table]:
            raise MappingError("not_a_column_of", f"{where}.fields", column=column, table=table,
                               columns=list(HEADERS[table]))
        recipe.fields[column] = _field(spec, table, column, f"{where}.fields.{column}")
    if "where" in entry:
        recipe.where = _filters(entry["where"], f"{where}.where")
    if _text(entry.get("file", "")).strip():
        recipe.file = _text(entry["file"]).strip()
    if _text(entry.get("repeat", "")).strip():
        recipe.repeat = _text(entry["repeat"]).strip()
    if "distinct" in entry:
        recipe.distinct = _flag(entry["distinct"], f"{where}.distinct")
    if any(p.kind == "index" for f in recipe.fields.values() if f for p in f.concat) and not recipe.repeat:
        raise MappingError("index_without_repeat", where)
    return recipe


def _encodings(spec, source: str) -> dict[str, str]:
    pairs = spec if isinstance(spec, dict) else {"*": spec}
    out = {}
    for pattern, name in pairs.items():
        name = _text(name).strip()
        try:
            codecs.lookup(name)
        except LookupError:
            raise MappingError("unknown_encoding", source, name=name) from None
        out[_text(pattern)] = name
    return out


def parse_mapping(data, source: str = "mapping") -> Mapping:
    """Check a mapping's structure against the schema and return it."""
    if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
        raise MappingError("no_tables", source)
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise MappingError("unknown_section", source, key=sorted(unknown)[0], keys=sorted(_TOP_KEYS))
    mapping = Mapping()
    if _text(data.get("encoding", "")).strip() or isinstance(data.get("encoding"), dict):
        mapping.encoding = _encodings(data["encoding"], source)
    if _text(data.get("delimiter", "")):
        delimiter = _text(data["delimiter"]).replace("\\t", "\t")
        if len(delimiter) != 1:
            raise MappingError("delimiter", source)
        mapping.delimiter = delimiter
    for table, entries in data["tables"].items():
        if table not in HEADERS:
            raise MappingError("unknown_table", source, table=table, tables=list(HEADERS))
        entries = entries if isinstance(entries, list) else [entries]
        for number, entry in enumerate(entries):
            where = f"{source} · tables.{table}" + (f"[{number}]" if len(entries) > 1 else "")
            entry = entry or {}
            if not isinstance(entry, dict):
                raise MappingError("entry_shape", where)
            unknown = set(entry) - _TABLE_KEYS
            if unknown:
                raise MappingError("unknown_key", where, key=sorted(unknown)[0], keys=sorted(_TABLE_KEYS))
            columns = entry.get("columns") or {}
            for column in columns.values():
                if column not in HEADERS[table]:
                    raise MappingError("not_a_column", f"{where}.columns", column=column, table=table)
            values = entry.get("values") or {}
            for column, pairs in values.items():
                if column not in HEADERS[table]:
                    raise MappingError("not_a_column", f"{where}.values", column=column, table=table)
                if not isinstance(pairs, dict):
                    raise MappingError("values_pairs", f"{where}.values.{column}")
            mapping.columns.setdefault(table, {}).update({_text(h): _text(c) for h, c in columns.items()})
            mapping.values.setdefault(table, {})
            for column, pairs in values.items():
                mapping.values[table].setdefault(column, {}).update(
                    {_text(k): _text(v) for k, v in pairs.items()})
            if set(entry) & _RECIPE_KEYS:
                mapping.recipes.setdefault(table, []).append(_recipe(table, entry, where))
    return mapping


def _load_text(text: str, toml: bool):
    # YAML scalars are read as text (BaseLoader): a value map's keys Y, N, 1, 0 or yes stay what
    # the file says instead of turning into booleans and numbers.
    return tomllib.loads(text) if toml else yaml.load(text, Loader=yaml.BaseLoader)


def load_mapping(path: Path) -> Mapping:
    """Read a YAML or TOML mapping file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = _load_text(text, path.suffix.lower() == ".toml")
    except FileNotFoundError:
        raise MappingError("no_file", str(path)) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise MappingError("unreadable", str(path), detail=str(exc).splitlines()[0]) from None
    return parse_mapping(data, str(path))


def mapping_from_bytes(name: str, content: bytes) -> Mapping:
    """A mapping uploaded as bytes (YAML, or TOML when the name ends in .toml)."""
    try:
        data = _load_text(content.decode("utf-8-sig"), name.lower().endswith(".toml"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise MappingError("unreadable", name, detail=str(exc).splitlines()[0]) from None
    return parse_mapping(data, name)


def header_aliases(table: str, mapping: Mapping | None = None) -> dict[str, str]:
    """Folded header → canonical column for one table."""
    out: dict[str, str] = {}
    for column, zh in HEADERS[table].items():
        for alias in (column, column.replace("_", " "), zh, *EXTRA_HEADERS.get(table, {}).get(column, ())):
            out.setdefault(fold(alias), column)
    if mapping:
        for header, column in mapping.columns.get(table, {}).items():
            out[fold(header)] = column
    return out


def match_headers(table: str, headers: list[str], mapping: Mapping | None = None) -> dict[str, int]:
    """Canonical column → position of the file's header that holds it (first match wins)."""
    aliases = header_aliases(table, mapping)
    found: dict[str, int] = {}
    for position, header in enumerate(headers):
        column = aliases.get(fold(header))
        if column and column not in found:
            found[column] = position
    return found


# A table is recognised without its key column only when this many of its columns match:
# enough to tell "inspections lacking 检查编号" from a stray header that one table happens to use.
KEYLESS_MATCH = 3


def detect_table(headers: list[str], hint: str = "", mapping: Mapping | None = None,
                 keyless: bool = False) -> tuple[str | None, dict[str, int]]:
    """The table whose columns the headers match best, and the match; (None, {}) if none fits.

    A table qualifies when its key columns are present; among those the best overlap wins
    (matched columns over the union of both sides), and a file or sheet name that names the
    table (``hazards.csv``, ``隐患台账``) breaks ties and near-ties. With ``keyless`` a table
    lacking its key also qualifies when it matches at least ``KEYLESS_MATCH`` columns and
    better than any other, so the file is reported as that table missing its key, not as
    another table whose key it happens to hold (an inspections file without 检查编号 holds
    企业编号, the key of enterprises).
    """
    hint_folded = fold(hint)
    named = [h for h in headers if str(h).strip()]
    best, best_score, best_match = None, 0.0, {}
    for table in LOAD_ORDER:
        matched = match_headers(table, headers, mapping)
        has_keys = all(k in matched for k in KEYS[table])
        if not has_keys and not (keyless and len(matched) >= KEYLESS_MATCH):
            continue
        score = len(matched) / (len(HEADERS[table]) + len(named) - len(matched))
        if hint_folded and (fold(table) in hint_folded or any(fold(n) in hint_folded for n in TABLE_NAMES[table])):
            score += 0.15
        if score > best_score:
            best, best_score, best_match = table, score, matched
    return best, best_match


def value_aliases(kind: str, table: str, column: str, mapping: Mapping | None = None) -> dict[str, str]:
    """Folded value → code for a coded column (labels in both languages, codes, common variants)."""
    out: dict[str, str] = {}
    codes = [key.split(".")[-1] for key in i18n.catalogue() if key.startswith(f"codes.{kind}.")]
    for code in codes:
        out[value_key(code)] = code
        for lang in i18n.LANGS:
            out.setdefault(value_key(i18n.label(kind, code, lang)), code)
    for code, aliases in EXTRA_VALUES.get(kind, {}).items():
        for alias in aliases:
            out.setdefault(value_key(alias), code)
    if mapping:
        for raw, code in mapping.values.get(table, {}).get(column, {}).items():
            out[value_key(raw)] = code
    return out


def bool_aliases(table: str, column: str, mapping: Mapping | None = None) -> dict[str, bool]:
    """Folded value → boolean for a yes/no column."""
    out = {value_key(w): True for w in TRUE_WORDS} | {value_key(w): False for w in FALSE_WORDS}
    if mapping:
        for raw, value in mapping.values.get(table, {}).get(column, {}).items():
            out[value_key(raw)] = value_key(value) in {value_key(w) for w in TRUE_WORDS}
    return out


def coded_kind(table: str, column: str) -> str | None:
    """The code kind of a coded column (``risk_level``, ``hazard_level`` …), or None."""
    return CODED.get((table, column))


def _date_columns() -> dict[tuple[str, str], str]:
    # Which columns are dates, for checking a recipe's ``format`` without opening a database.
    dated = ("date", "found_date", "deadline", "rectified_date", "verified_date", "reminder_date", "order_date",
             "filed_date", "interview_date", "decided_date", "received_date", "closed_date", "listed_since")
    return {(t, c): "date" for t, cols in HEADERS.items() for c in cols if c in dated}


HEADERS_TYPES = _date_columns()
