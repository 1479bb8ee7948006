"""salience: faithful saliency on sequence models.

Tensors are laid out (batch, time, features) everywhere. Subpackages:

- :mod:`salience.data`: the dataset contract, generators, packaged and user data;
- :mod:`salience.models`: every architecture, the registry and the checkpoint format;
- :mod:`salience.explain`: attribution over captum, TSR, token attribution;
- :mod:`salience.metrics`: ground-truth, perturbation and temporal metrics;
- :mod:`salience.training`: the training loop and saliency guided training;
- :mod:`salience.figures`: every plot, in one style;
- :mod:`salience.runs`: run directories (results store, configuration, published numbers);
- :mod:`salience.bench`: the benchmark grid on Dask; :mod:`salience.suites`: the reproductions;
- :mod:`salience.report`: the HTML report; :mod:`salience.cli`: the ``salience`` command.
"""

__version__ = "0.1.0"
