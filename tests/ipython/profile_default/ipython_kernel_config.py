# The test kernels' IPython profile (IPYTHONDIR=tests/ipython, set by conftest.py).
# No history.sqlite: a test run writes nothing into the repository. In and Out, and
# execution counts, work as usual.
c = get_config()  # noqa: F821  (IPython defines get_config in config files)
c.HistoryManager.enabled = False
