"""The plan page's data, built once per (as-of date, data version, rules) and shared read-only between sessions.

A plan fits the model and scores every operating enterprise: seconds at province
scale. It is kept with ``st.cache_resource`` (no copy on each rerun); callers must
not change what they get. The hindsight table refits the model once per window, which
takes many times longer than the plan: it is computed on a background thread, one job
per data version shared by every session, and the page shows it when it is ready.
"""

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

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


@dataclass(frozen=True)
class SquadronPlan:
    """One squadron's part of a plan as a user with some scope sees it (read-only, shared)."""

    rows: pd.DataFrame  # the planned visits within the scope, in order
    planned: int  # the squadron's planned visits in all towns
    capacity: int
    required: int  # the squadron's visits the rules require, planned or waiting
    everyone: pd.DataFrame  # the squadron's operating enterprises within the scope, by p_major


@dataclass(frozen=True)
class ScopedPlan:
    """A plan cut by squadron for one scope: the squadrons with enterprises in it, each ready to draw."""

    squadrons: tuple  # names in name order, then None for the unassigned if any
    parts: dict


def scoped(as_of, cfg: plan.Settings, params: dict) -> ScopedPlan:
    """The plan made as of ``as_of``, per squadron, for the filters and town scope of ``params``.

    Cut once per (plan, scope) and shared: at province scale every rerun filtering
    167,000 rows took most of a second.
    """
    return _scoped(as_of, cfg, dict(params), *_version())


@st.cache_resource(max_entries=32, show_spinner=False)
def _scoped(as_of, cfg: plan.Settings, params: dict, version: str, path: str) -> ScopedPlan:
    rows = _plan(as_of, cfg, version, path).rows
    visible = rows["enterprise_id"].isin(_scope(params, version, path)).to_numpy()
    parts = {}
    for key, group in rows.groupby(rows["squadron"].fillna("\uffff"), sort=True):
        seen = visible[group.index.to_numpy()]
        if not seen.any():
            continue
        squadron = None if key == "\uffff" else key
        planned = plan.plan_rows(group)
        everyone = plan.plan_rows(group[seen], everyone=True)
        parts[squadron] = SquadronPlan(
            rows=planned[planned["enterprise_id"].isin(set(group["enterprise_id"][seen]))].reset_index(drop=True),
            planned=len(planned), capacity=int(group["capacity"].iloc[0]), required=int(group["required"].sum()),
            everyone=everyone)
    names = tuple(sorted(k for k in parts if k is not None)) + ((None,) if None in parts else ())
    return ScopedPlan(names, parts)
