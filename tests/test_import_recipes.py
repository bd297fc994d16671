"""Mapping recipes: each part (column, constant, concatenation, date format, value map with blank,
row filter, repeat, one file feeding several tables, encoding) on small inline files, the checks
that name a broken recipe's entry, the YAML round trip, and the page builder's functions."""

from datetime import date

import pytest

from gridwatch import warehouse
from gridwatch.ingest import Mapping, MappingError, import_files, load_mapping, mapping_from_bytes
from gridwatch.ingest import preview as ip
from gridwatch.ingest.mapping import Field, Filter, Part, Recipe, date_formats
from tests.conftest import FIXTURES

IMPORT_DAY = date(2026, 11, 29)


def recipe(text: str) -> Mapping:
    return mapping_from_bytes("recipe.yaml", text.encode("utf-8"))


def run(db, content: str, mapping: Mapping, tmp_path, name="other.csv", **kwargs):
    return import_files(db, [(name, content.encode(kwargs.pop("encoding", "utf-8")))], mapping=mapping,
                        raw_dir=tmp_path / "raw", today=IMPORT_DAY, **kwargs)


def rows(db, sql):
    con = warehouse.open_readonly(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


HAZARDS = """
tables:
  hazards:
    where:
      - {column: Status, not_in: [Deleted, VOID]}
    fields:
      hazard_id: {concat: [Unit, Date, No], sep: "/"}
      enterprise_id: Unit
      found_date: {column: Date, format: m/d/Y}
      level: {column: Sev, map: {A: major, B: general, "": general}}
      category: {value: 电气安全}
      rectified: {column: Fixed, map: {Done: 是, Open: 否}}
"""


def test_every_kind_of_field(tiny_db, tmp_path):
    content = ("Unit,Date,No,Sev,Fixed,Status\n"
               "E1,03/04/2026,1,A,Done,\n"      # 4 March (m/d/Y), major
               "E1,03/04/2026,2,,Open,\n"       # blank severity → general by the map's "" key
               "E2,12/01/2025,1,B,,deleted\n"   # filtered (case does not matter)
               "E2,12/01/2025,2,B,,\n")
    report = run(tiny_db, content, recipe(HAZARDS), tmp_path)
    assert (report.loaded, report.rejected, report.sheets[0].rows_skipped) == (3, 0, 1)
    assert rows(tiny_db, "select hazard_id, enterprise_id, found_date, level, category, rectified from hazards "
                         "where hazard_id like '%/%' order by 1") == [
        ("E1/03/04/2026/1", "E1", date(2026, 3, 4), "major", "电气安全", True),
        ("E1/03/04/2026/2", "E1", date(2026, 3, 4), "general", "电气安全", False),
        ("E2/12/01/2025/2", "E2", date(2025, 12, 1), "general", "电气安全", None),
    ]
    # The recipe's builds are named in messages: a concatenation by its parts.
    assert report.sheets[0].mapped["hazard_id"] == "Unit + Date + No"


def test_a_blank_part_leaves_the_id_blank_and_the_row_rejected(tiny_db, tmp_path):
    content = "Unit,Date,No,Sev,Fixed,Status\nE1,03/04/2026,,A,Done,\nE1,03/04/2026,3,A,Done,\n"
    report = run(tiny_db, content, recipe(HAZARDS), tmp_path)
    assert (report.loaded, report.rejected) == (1, 1)
    error = report.issues[report.issues["severity"] == "error"].iloc[0]
    assert (int(error["row_number"]), error["code"], error["header"]) == (2, "required", "Unit + Date + No")


def test_a_date_in_another_format_than_the_recipe_says_is_a_bad_date(tiny_db, tmp_path):
    content = "Unit,Date,No,Sev,Fixed,Status\nE1,2026-03-04,1,A,Done,\n"
    report = run(tiny_db, content, recipe(HAZARDS), tmp_path)
    assert report.rejected == 1
    assert set(report.issues["code"]) >= {"bad_date"}


def test_repeat_copies_a_row_by_a_count_and_numbers_the_copies(tiny_db, tmp_path):
    mapping = recipe("""
tables:
  hazards:
    repeat: Count
    fields:
      hazard_id: {concat: [Insp, {value: X}, {index: true}], sep: "-"}
      enterprise_id: Unit
      found_date: Date
      level: {value: general}
      category: {value: 消防安全}
""")
    content = "Insp,Unit,Date,Count\nQ1,E1,2026-03-04,3\nQ2,E2,2026-03-05,0\nQ3,E2,2026-03-05,two\n"
    report = run(tiny_db, content, mapping, tmp_path)
    assert [r[0] for r in rows(tiny_db, "select hazard_id from hazards where hazard_id like 'Q%' order by 1")] == [
        "Q1-X-1", "Q1-X-2", "Q1-X-3"]
    # A count that is not a whole number is an error on that row; 0 copies is simply none.
    assert [(int(r.row_number), r.code, r.value) for r in report.issues.itertuples() if r.severity == "error"] == [
        (4, "bad_repeat", "two")]


def test_one_flat_file_feeds_two_tables_deduplicated(tiny_db, tmp_path):
    mapping = recipe("""
tables:
  inspections:
    distinct: true
    fields:
      inspection_id: {concat: [Unit, Day], sep: "@"}
      enterprise_id: Unit
      date: Day
      type: {value: routine}
      lead_staff_id: {value: S1}
      score: Score
  hazards:
    fields:
      hazard_id: {concat: [Unit, Day, Code], sep: "@"}
      inspection_id: {concat: [Unit, Day], sep: "@"}
      enterprise_id: Unit
      found_date: Day
      level: {value: general}
      category: Code
""")
    content = "Unit,Day,Code,Score\nE1,2026-03-02,C1,80\nE1,2026-03-02,C2,80\nE2,2026-03-03,C1,70\n"
    report = run(tiny_db, content, mapping, tmp_path)
    assert [(s.table, s.rows_loaded, s.rows_merged) for s in report.sheets] == [("inspections", 2, 1),
                                                                                ("hazards", 3, 0)]
    assert not report.rejected and "identical_duplicate" not in set(report.issues["code"])
    assert rows(tiny_db, "select h.hazard_id, i.score from hazards as h join inspections as i using (inspection_id) "
                         "where h.hazard_id like '%@%' order by 1") == [
        ("E1@2026-03-02@C1", 80.0), ("E1@2026-03-02@C2", 80.0), ("E2@2026-03-03@C1", 70.0)]


def test_copies_that_disagree_are_held_back_even_with_distinct(tiny_db, tmp_path):
    mapping = recipe("""
tables:
  inspections:
    distinct: true
    fields:
      inspection_id: Visit
      enterprise_id: Unit
      date: Day
      type: {value: routine}
      lead_staff_id: {value: S1}
      score: Score
""")
    content = "Visit,Unit,Day,Score\nV1,E1,2026-03-02,80\nV1,E1,2026-03-02,85\nV2,E2,2026-03-03,70\n"
    report = run(tiny_db, content, mapping, tmp_path)
    assert (report.loaded, report.rejected) == (1, 2)


def test_the_recipe_names_an_encoding_per_file(tiny_db, tmp_path):
    mapping = recipe("""
encoding: {"legacy*.csv": cp1252}
tables:
  hazards:
    fields: {hazard_id: Ref, enterprise_id: Firm, found_date: Seen, level: {value: general}, category: What}
""")
    content = "Ref,Firm,Seen,What\nL1,E1,2026-03-04,Éclairage\n"
    run(tiny_db, content, mapping, tmp_path, name="legacy_2026.csv", encoding="cp1252")
    assert rows(tiny_db, "select category from hazards where hazard_id = 'L1'") == [("Éclairage",)]


def test_a_file_the_recipe_does_not_fit_is_read_by_its_headers(tiny_db, tmp_path):
    content = "隐患编号,企业编号,发现日期,隐患等级,隐患类别\nN1,E1,2026-03-04,一般,电气\n"
    report = run(tiny_db, content, recipe(HAZARDS), tmp_path)
    assert report.loaded == 1 and report.sheets[0].table == "hazards"


@pytest.mark.parametrize("text, words", [
    ("tables: {hazards: {fields: {hazard_no: X}}}", "'hazard_no' is not a column of hazards"),
    ("tables: {hazards: {fields: {hazard_id: {column: X, value: Y}}}}", "exactly one of column, value, concat"),
    ("tables: {hazards: {fields: {found_date: {column: D, format: q/r}}}}", "'q/r' is not a date format"),
    ("tables: {hazards: {fields: {level: {column: L, format: m/d/Y}}}}", "level is not a date column"),
    ("tables: {hazards: {fields: {hazard_id: {concat: [A, {index: true}]}}}}", "numbers the copies of `repeat`"),
    ("tables: {hazards: {where: [{column: S, maybe: [x]}]}}", "exactly one of in, not_in, blank"),
    ("tables: {hazards: {filter: []}}", "unknown key 'filter'"),
    ("encoding: klingon\ntables: {}", "unknown encoding 'klingon'"),
    ("tabels: {}", "expected a top-level 'tables:' section"),
    ("tables: {hazards: {distinct: perhaps}}", "expected true or false"),
])
def test_a_broken_recipe_names_its_entry(text, words):
    with pytest.raises(MappingError, match=words.replace("(", r"\(").replace(")", r"\)").replace("`", "`")):
        recipe(text)


def test_a_recipe_round_trips_through_yaml_and_toml():
    original = recipe(HAZARDS + "encoding: latin-1\n")
    assert recipe(original.to_yaml()) == original
    # The fixtures' recipes, YAML and TOML alike, read back identically from the YAML they write.
    for system in ("flat", "trio", "counts"):
        path = next((FIXTURES / "import" / "systems" / system).glob("recipe.*"))
        loaded = load_mapping(path)
        assert recipe(loaded.to_yaml()) == loaded, system


def test_date_format_shorthand():
    assert date_formats("m/d/Y", "f") == ("%m/%d/%Y",)
    assert date_formats(["d.m.Y", "%Y%m%d"], "f") == ("%d.%m.%Y", "%Y%m%d")
    with pytest.raises(MappingError):
        date_formats("Y-m", "f")


def test_builder_choices_make_a_recipe_that_loads(tiny_db, tmp_path):
    content = "Unit,Date,No,Sev,Gone\nE1,03/04/2026,7,A,\nE1,03/04/2026,8,,X\n"
    source = ip.sources("other.csv", content.encode())[0]
    assert source.headers == ["Unit", "Date", "No", "Sev", "Gone"]
    assert source.values["Sev"] == ["A", ""]
    choices = {
        "hazard_id": ip.FieldChoice("concat", parts=["Unit", "No"], sep="-"),
        "enterprise_id": ip.FieldChoice("column", column="Unit"),
        "found_date": ip.FieldChoice("column", column="Date", date_format="m/d/Y"),
        "level": ip.FieldChoice("column", column="Sev", values={"A": "major", "": "general"}),
        "category": ip.FieldChoice("value", value="电气安全"),
        "description": ip.FieldChoice(),
    }
    built = ip.recipe_from_choices("hazards", choices, "Gone", ["X"])
    assert ip.missing_required("hazards", built, source.headers) == []
    assert ip.missing_required("hazards", ip.recipe_from_choices("hazards", {}), source.headers) == [
        "hazard_id", "enterprise_id", "found_date", "level", "category"]
    mapping = ip.add_recipe(None, built, "utf-8")
    assert mapping.to_dict() == {"encoding": "utf-8", "tables": {"hazards": {
        "where": [{"column": "Gone", "not_in": ["X"]}],
        "fields": {"hazard_id": {"concat": ["Unit", "No"], "sep": "-"}, "enterprise_id": "Unit",
                   "found_date": {"column": "Date", "format": "%m/%d/%Y"},
                   "level": {"column": "Sev", "map": {"A": "major", "": "general"}},
                   "category": {"value": "电气安全"}}}}}
    # Adding a part built from the same columns replaces it; the YAML the page offers loads back.
    assert ip.add_recipe(mapping, built).recipes["hazards"] == [built]
    saved = recipe(mapping.to_yaml())
    report = run(tiny_db, content, saved, tmp_path)
    assert (report.loaded, report.rejected, report.sheets[0].rows_skipped) == (1, 0, 1)
    assert rows(tiny_db, "select hazard_id, found_date, level from hazards where hazard_id = 'E1-7'") == [
        ("E1-7", date(2026, 3, 4), "major")]


def test_recipe_objects_describe_themselves():
    part = Recipe("hazards", {"hazard_id": Field(concat=(Part("column", "A"), Part("text", "x"), Part("index"))),
                              "category": Field(value="电气")}, (Filter("S", "in", ("",)),), repeat="N")
    assert part.sources() == ["A", "S", "N"]
    assert part.fields["hazard_id"].describe() == 'A + "x" + #'
    assert part.fields["category"].describe() == '"电气"'
    assert part.to_dict()["where"] == [{"column": "S", "blank": "true"}]
