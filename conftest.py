"""pytest set-up shared by the unit tests and the notebooks under nbval: every kernel
nbval starts inherits this environment (quiet TensorFlow C++ logs, fixed hashing)."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("PYTHONHASHSEED", "0")
