"""Dask execution of task graphs: a real local cluster with two worker processes, and in-process."""

from __future__ import annotations

import os

import pytest

from salience.bench.executor import After, Job, dask_client, run_jobs


def _pid_after(_: object = None) -> int:
    import time

    time.sleep(0.2)  # long enough that both workers get work
    return os.getpid()


def _add(a: int, b: int) -> int:
    return a + b


def _fail(_: object = None) -> None:
    raise RuntimeError("task broke")


def _collect(client, jobs):
    results, errors, order = {}, {}, []

    def on_result(key, value):
        results[key] = value
        order.append(key)

    def on_error(key, error):
        errors[key] = error
        order.append(key)

    run_jobs(client, jobs, on_result=on_result, on_error=on_error)
    return results, errors, order


@pytest.fixture(scope="module")
def two_workers():
    with dask_client(workers=2) as client:
        yield client


def test_two_local_workers_are_separate_processes(two_workers):
    info = two_workers.scheduler_info()
    assert len(info["workers"]) == 2
    jobs = [Job(("pid", i), _pid_after) for i in range(6)]
    results, errors, _ = _collect(two_workers, jobs)
    assert not errors
    pids = set(results.values())
    assert len(pids) == 2 and os.getpid() not in pids


def test_dependencies_receive_results_and_failures_propagate(two_workers):
    jobs = [
        Job("a", _add, (1, 2)),
        Job("b", _add, (After("a"), 10)),
        Job("c", _add, (After("b"), After("a"))),
        Job("bad", _fail),
        Job("after-bad", _add, (After("bad"), 1)),
    ]
    results, errors, order = _collect(two_workers, jobs)
    assert results == {"a": 3, "b": 13, "c": 16}
    assert set(errors) == {"bad", "after-bad"}
    assert all("task broke" in str(error) for error in errors.values())
    assert order.index("a") < order.index("b") < order.index("c")


def test_in_process_single_worker_and_bad_graphs():
    with dask_client(workers=1) as client:
        assert len(client.scheduler_info()["workers"]) == 1
        results, errors, _ = _collect(client, [Job("x", _pid_after)])
        assert results == {"x": os.getpid()} and not errors  # threads in this process
        with pytest.raises(ValueError, match="depends on 'z'"):
            run_jobs(client, [Job("y", _add, (After("z"), 1))], on_result=print, on_error=print)
        with pytest.raises(ValueError, match="duplicate key"):
            run_jobs(
                client, [Job("y", _add, (1, 1)), Job("y", _add, (1, 1))], on_result=print, on_error=print
            )
    with pytest.raises(ValueError, match="workers"), dask_client(workers=0):
        pass
