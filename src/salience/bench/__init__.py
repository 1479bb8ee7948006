"""The time-series saliency benchmark grid (Ismail et al., 2020) on Dask distributed: profiles, tasks,
the resumable grid runner, the summary tables and the executor."""
