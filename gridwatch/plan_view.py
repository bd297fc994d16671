"""The plan page's data: a plan cut per squadron for one scope, and the hindsight job.

A plan fits the model and scores every operating enterprise: seconds at province
scale. The page reads ``plan.make`` and ``scoped`` through ``ui.cached(..., shared=True)``:
made once per (as-of date, rules, data version) and kept as one object shared by every
session, which callers must not change. The hindsight table refits the model once per
window, which takes many times longer than the plan: ``hindsight_job`` starts it on a
background thread, one job per data version shared by every session, and the page
shows it when it is ready (``hindsight``).
"""

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import pandas as pd

from gridwatch import plan
from gridwatch.reader import Reader

_worker_lock = threading.Lock()
_workers: list[ThreadPoolExecutor] = []


def _worker() -> ThreadPoolExecutor:
    # One thread: hindsight jobs of successive data versions queue rather than compete.
    with _worker_lock:
        if not _workers:
            _workers.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="plan-hindsight"))
        return _workers[0]


def hindsight_job(read: Reader, data_as_of, cfg: plan.Settings) -> Future:
    """Start computing the hindsight figures of the last windows up to ``data_as_of`` on the background thread.

    The job reads through ``read.uncached()``: the job's thread runs no page script.
    """
    return _worker().submit(plan.hindsight_table, read.uncached(), data_as_of, cfg)


def hindsight(job: Future) -> pd.DataFrame | None:
    """The job's table; None while it is being computed (an error in it is raised here)."""
    return job.result() if job.done() else None


def scope(read: Reader, params: dict) -> frozenset:
    """The enterprise ids the filters and the user's town scope let the page show."""
    return frozenset(read("plan_scope", params)["enterprise_id"])


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


def scoped(read: Reader, as_of, cfg: plan.Settings, params: dict) -> ScopedPlan:
    """The plan made as of ``as_of``, per squadron, for the filters and town scope of ``params``.

    Read it shared (``ui.cached(..., shared=True)``): at province scale filtering
    167,000 rows on every rerun took most of a second.
    """
    rows = read.compute(plan.make, as_of, cfg, shared=True).rows
    visible = rows["enterprise_id"].isin(read.compute(scope, params, shared=True)).to_numpy()
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
