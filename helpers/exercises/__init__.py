"""The exercise checks: each `check_...` returns Feedback (truthy when right, with a hint
when not). One module per lesson; this file re-exports every `check_` function."""

import importlib
import pkgutil

from helpers.exercises._core import Feedback

__all__ = ["Feedback"]
for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        _loaded = importlib.import_module(f"{__name__}.{_module.name}")
        for _name in dir(_loaded):
            _value = getattr(_loaded, _name)
            if _name.startswith("check_") and _value.__module__ == _loaded.__name__:
                globals()[_name] = _value
                __all__.append(_name)  # defined here, not imported
