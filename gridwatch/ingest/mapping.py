"""Headers and values of other systems → the warehouse's canonical columns and codes.

Headers match through the canonical name, the Chinese export header (gridwatch/columns.py),
an English form and a few common aliases, ignoring case, spaces and punctuation (full-width
included, by NFKC). A mapping file (YAML or TOML) adds a system's own headers and value codes::

    tables:
      hazards:
        columns: {隐患ID: hazard_id, 级别: level}
        values:
          level: {A类: major, B类: general}
"""

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
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

_NOT_WORD = re.compile(r"[\W_]+")


def fold(text) -> str:
    """The matching form of a header or value: NFKC, lower case, no spaces or punctuation."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", str(text)).lower())


def value_key(text) -> str:
    """The matching form of a cell value; symbols alone (√, ×) are kept as they are."""
    return fold(text) or str(text).strip()


class MappingError(Exception):
    """A mapping file that cannot be used; the message says which entry and why."""


@dataclass
class Mapping:
    """Extra header and value aliases from a mapping file, per table."""

    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The mapping as a file holds it."""
        tables = {}
        for table in sorted(set(self.columns) | set(self.values)):
            entry = {}
            if self.columns.get(table):
                entry["columns"] = dict(self.columns[table])
            if self.values.get(table):
                entry["values"] = {c: dict(v) for c, v in self.values[table].items()}
            tables[table] = entry
        return {"tables": tables}

    def to_yaml(self) -> str:
        """The mapping as YAML text (Chinese kept readable)."""
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False)


def parse_mapping(data, source: str = "mapping") -> Mapping:
    """Check a mapping's structure against the schema and return it."""
    if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
        raise MappingError(f"{source}: expected a top-level 'tables:' section")
    mapping = Mapping()
    for table, entry in data["tables"].items():
        if table not in HEADERS:
            raise MappingError(f"{source}: unknown table {table!r} (one of {', '.join(HEADERS)})")
        entry = entry or {}
        columns = entry.get("columns") or {}
        for column in columns.values():
            if column not in HEADERS[table]:
                raise MappingError(f"{source}: tables.{table}.columns: {column!r} is not a column of {table}")
        values = entry.get("values") or {}
        for column, pairs in values.items():
            if column not in HEADERS[table]:
                raise MappingError(f"{source}: tables.{table}.values: {column!r} is not a column of {table}")
            if not isinstance(pairs, dict):
                raise MappingError(f"{source}: tables.{table}.values.{column} must map file values to codes")
        mapping.columns[table] = {str(h): str(c) for h, c in columns.items()}
        mapping.values[table] = {c: {str(k): str(v) for k, v in p.items()} for c, p in values.items()}
    return mapping


def load_mapping(path: Path) -> Mapping:
    """Read a YAML or TOML mapping file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else yaml.safe_load(text)
    except FileNotFoundError:
        raise MappingError(f"{path}: no such mapping file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: cannot read the mapping: {str(exc).splitlines()[0]}") from None
    return parse_mapping(data, str(path))


def mapping_from_bytes(name: str, content: bytes) -> Mapping:
    """A mapping uploaded as bytes (YAML, or TOML when the name ends in .toml)."""
    try:
        text = content.decode("utf-8-sig")
        data = tomllib.loads(text) if name.lower().endswith(".toml") else yaml.safe_load(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise MappingError(f"{name}: cannot read the mapping: {str(exc).splitlines()[0]}") from None
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


def detect_table(headers: list[str], hint: str = "", mapping: Mapping | None = None,
                 required: dict[str, tuple[str, ...]] | None = None) -> tuple[str | None, dict[str, int]]:
    """The table whose columns the headers match best, and the match; (None, {}) if none fits.

    A table qualifies when its key columns are present; among those the best overlap wins
    (matched columns over the union of both sides), and a file or sheet name that names the
    table (``hazards.csv``, ``隐患台账``) breaks ties and near-ties.
    """
    hint_folded = fold(hint)
    best, best_score, best_match = None, 0.0, {}
    for table in LOAD_ORDER:
        matched = match_headers(table, headers, mapping)
        if not all(k in matched for k in KEYS[table]):
            continue
        score = len(matched) / (len(HEADERS[table]) + len([h for h in headers if str(h).strip()]) - len(matched))
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
