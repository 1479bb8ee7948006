"""Run a graph of tasks on Dask distributed and hand each result back as soon as it is ready.

:func:`dask_client` opens a client on a local cluster sized to the machine (one single-threaded
worker process per core), on an in-process cluster when one worker is asked for, or on an existing
cluster at ``scheduler`` (e.g. ``tcp://host:8786``, or one started by dask-jobqueue on Slurm/PBS).
:func:`run_jobs` submits :class:`Job` s, whose arguments may name other jobs (:class:`After`), and
calls back in the client process as each finishes, so the caller records results one by one. On an
interrupt every job still queued is cancelled and the exception propagates: what was already
handed back stays recorded.

Example:
    >>> with dask_client(workers=1) as client:
    ...     done = {}
    ...     jobs = [Job("a", pow, (2, 3)), Job("b", pow, (After("a"), 2))]
    ...     run_jobs(client, jobs, on_result=done.__setitem__, on_error=print)
    >>> done
    {'a': 8, 'b': 64}
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from salience._validation import check_positive_int


@dataclass(frozen=True)
class After:
    """An argument that is the result of the job with this key."""

    key: Hashable


@dataclass(frozen=True)
class Job:
    """``func(*args)``, where an :class:`After` argument is replaced by that job's result."""

    key: Hashable
    func: Callable[..., Any]
    args: tuple[Any, ...] = ()


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: on ``scheduler`` if given, else on a local cluster of ``workers``.

    Local workers are processes with one thread each (the tasks use their own torch threads);
    ``workers=1`` runs in-process (threads, no worker process to start).
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        if workers is not None:
            raise ValueError("workers: not used with scheduler=; the cluster decides its workers")
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as err:
            raise ValueError(f"scheduler: cannot connect to {scheduler!r} ({err})") from None
        with client:
            yield client
        return
    n_workers = default_workers() if workers is None else workers
    check_positive_int(n_workers, "workers")
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=n_workers > 1,
        dashboard_address=":0",  # a free port: never clash with a dashboard already running
        silence_logs=logging.ERROR,
    )
    with cluster, Client(cluster) as client:
        yield client


def run_jobs(
    client: Any,
    jobs: Sequence[Job],
    *,
    on_result: Callable[[Hashable, Any], None],
    on_error: Callable[[Hashable, BaseException], None],
) -> None:
    """Submit ``jobs`` to ``client`` and call back in completion order.

    A job whose dependency failed fails too (``on_error`` gets the dependency's exception). Jobs are
    submitted in the given order, which Dask uses as their priority among ready tasks.
    """
    from distributed import as_completed

    futures: dict[Hashable, Any] = {}
    keys: dict[str, Hashable] = {}
    for job in jobs:
        if job.key in futures:
            raise ValueError(f"jobs: duplicate key {job.key!r}")
        args = []
        for arg in job.args:
            if isinstance(arg, After):
                if arg.key not in futures:
                    raise ValueError(
                        f"jobs: {job.key!r} depends on {arg.key!r}, which is not submitted before it"
                    )
                args.append(futures[arg.key])
            else:
                args.append(arg)
        future = client.submit(job.func, *args, pure=False)
        futures[job.key] = future
        keys[future.key] = job.key
    try:
        for future in as_completed(list(futures.values())):
            key = keys[future.key]
            if future.status == "finished":
                on_result(key, future.result())
            else:
                on_error(key, _exception(future))
            future.release()
    except BaseException:
        client.cancel(list(futures.values()))
        raise


def _exception(future: Any) -> BaseException:
    try:
        error = future.exception()
    except BaseException as err:  # cancelled futures raise here
        return err
    return error if isinstance(error, BaseException) else RuntimeError(str(error))
