"""The plan page's data, built once per (as-of date, data version, rules) and shared read-only between sessions.

A plan fits the model and scores every operating enterprise: seconds at province
scale. It is kept with ``st.cache_resource`` (no copy on each rerun); callers must
not change what they get. The hindsight table refits the model once per window, which
takes many times longer than the plan: it is computed on a background thread, one job
per data version shared by every session, and the page shows it when it is ready.
"""

from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd
import streamlit as st

from gridwatch import plan, queries, register, ui


def _version() -> tuple[str, str]:
    return ui.meta().get("data_version", ""), str(ui.db_path())


def _runner():
    return register.runner(ui.connection())


@st.cache_resource(max_entries=8, show_spinner=False)
def _plan(as_of, cfg: plan.Settings, version: str, path: str) -> plan.Plan:
    return plan.make(_runner(), as_of, cfg)


def made(as_of, cfg: plan.Settings) -> plan.Plan:
    """The plan made as of ``as_of`` (for the week after it)."""
    return _plan(as_of, cfg, *_version())


@st.cache_resource(show_spinner=False)
def _worker() -> ThreadPoolExecutor:
    # One thread: hindsight jobs of successive data versions queue rather than compete.
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="plan-hindsight")


@st.cache_resource(max_entries=2, show_spinner=False)
def _hindsight(data_as_of, cfg: plan.Settings, version: str, path: str) -> Future:
    # The runner is bound here, on the script thread: the job's thread has no session.
    return _worker().submit(plan.hindsight_table, _runner(), data_as_of, cfg)


def hindsight(data_as_of, cfg: plan.Settings) -> pd.DataFrame | None:
    """The hindsight figures of the last windows up to ``data_as_of``; None while they are being computed.

    The first call for a data version starts the job; an error in it is raised here.
    """
    job = _hindsight(data_as_of, cfg, *_version())
    return job.result() if job.done() else None


def scope(params: dict) -> frozenset:
    """The enterprise ids the filters and the user's town scope let the page show."""
    return _scope(dict(params), *_version())


@st.cache_resource(max_entries=32, show_spinner=False)
def _scope(params: dict, version: str, path: str) -> frozenset:
    return frozenset(queries.run(ui.connection(), "plan_scope", params)["enterprise_id"])
