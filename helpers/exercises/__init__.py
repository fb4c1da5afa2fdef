"""The exercise checks: each `check_...` returns Feedback (truthy when right, with a hint
when not). One module per lesson; this file re-exports every `check_` function."""

import importlib
import pkgutil

from helpers.feedback import Feedback

__all__ = ["Feedback"]
import helpers.lessons as _lessons  # transitional: lessons move into helpers.lessons

for _prefix, _path in ((__name__, __path__), (_lessons.__name__, _lessons.__path__)):
  for _module in pkgutil.iter_modules(_path):
    if not _module.name.startswith("_"):
        _loaded = importlib.import_module(f"{_prefix}.{_module.name}")
        for _name in dir(_loaded):
            _value = getattr(_loaded, _name)
            if _name.startswith("check_") and _value.__module__ == _loaded.__name__:
                globals()[_name] = _value
                __all__.append(_name)  # defined here, not imported
