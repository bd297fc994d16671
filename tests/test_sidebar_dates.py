"""The sidebar's date pickers span the data's whole range; a custom period's status date follows its end.

On tests/fixtures/status.sql, whose data runs from 2012-03-05 to 2026-04-05: Streamlit's own
default range (ten years either side of the value, 2016–2036 here) would keep 2012 out of reach.
"""

from datetime import date

import pytest
from streamlit.runtime.pages_manager import PagesManager

from gridwatch import filters as gf
from tests.conftest import build_fixture_db
from tests.test_app import start


@pytest.fixture(autouse=True)
def served_through_app_py(monkeypatch):
    """Rerun through app.py as a server does, so that the sidebar is drawn on every run (see test_auth_app)."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def status_db(tmp_path):
    return build_fixture_db(tmp_path / "status.duckdb", "status.sql")


def chosen(at) -> gf.Filters:
    return at.session_state["global_filters"]


def test_pickers_run_from_the_first_day_of_the_data_to_today(status_db, monkeypatch):
    at = start(status_db, monkeypatch, gf_preset="custom")
    assert not at.exception
    for key in ("gf_start", "gf_end", "gf_as_of_custom"):
        picker = at.date_input(key=key)
        assert (picker.proto.min, picker.proto.max) == ("2012-03-05", date.today().isoformat()), key


def test_a_2012_date_can_be_chosen(status_db, monkeypatch):
    at = start(status_db, monkeypatch, gf_preset="custom")
    at.date_input(key="gf_start").set_value(date(2012, 3, 5)).run()
    assert not at.exception
    assert chosen(at).start == date(2012, 3, 5)


def test_the_status_date_follows_a_custom_end(status_db, monkeypatch):
    at = start(status_db, monkeypatch, gf_preset="custom", gf_start=date(2017, 1, 1), gf_end=date(2017, 12, 31))
    assert (chosen(at).end, chosen(at).as_of) == (date(2017, 12, 31), date(2017, 12, 31))
    at.date_input(key="gf_end").set_value(date(2017, 6, 30)).run()
    assert not at.exception
    assert (chosen(at).end, chosen(at).as_of) == (date(2017, 6, 30), date(2017, 6, 30))
    # A period ending after the data's as-of date has its status date at the data's last day.
    at.date_input(key="gf_end").set_value(date(2026, 6, 30)).run()
    assert chosen(at).as_of == date(2026, 4, 5)


def test_a_status_date_the_user_sets_stays(status_db, monkeypatch):
    at = start(status_db, monkeypatch, gf_preset="custom", gf_start=date(2017, 1, 1), gf_end=date(2017, 12, 31))
    at.date_input(key="gf_as_of_custom").set_value(date(2018, 1, 15)).run()
    at.date_input(key="gf_end").set_value(date(2017, 3, 31)).run()
    assert not at.exception
    assert (chosen(at).end, chosen(at).as_of) == (date(2017, 3, 31), date(2018, 1, 15))


def test_a_preset_period_keeps_the_data_as_of_date(status_db, monkeypatch):
    at = start(status_db, monkeypatch)
    assert (chosen(at).start, chosen(at).end, chosen(at).as_of) == (date(2026, 1, 1), date(2026, 4, 5),
                                                                    date(2026, 4, 5))


def test_picker_bounds():
    today = date(2026, 11, 29)
    assert gf.picker_bounds(date(2012, 3, 5), date(2026, 4, 5), today) == (date(2012, 3, 5), today)
    # Data after today (a typo the writer did not catch) still fits; so does any value already shown.
    assert gf.picker_bounds(date(2012, 3, 5), date(2027, 6, 26), today) == (date(2012, 3, 5), date(2027, 6, 26))
    assert gf.picker_bounds(date(2012, 3, 5), date(2026, 4, 5), today, date(2030, 1, 31), None, date(2011, 1, 1)) \
        == (date(2011, 1, 1), date(2030, 1, 31))
    assert gf.picker_bounds(None, date(2026, 4, 5), today) == (date(2026, 4, 5), today), "no dated record"


def test_status_date_follows_until_the_user_changes_it():
    end = date(2017, 12, 31)
    assert gf.status_date(None, None, end) == end, "first run"
    assert gf.status_date(date(2026, 4, 5), date(2026, 4, 5), end) == end, "followed before: follows again"
    assert gf.status_date(date(2018, 1, 15), date(2017, 12, 31), date(2017, 6, 30)) == date(2018, 1, 15)
