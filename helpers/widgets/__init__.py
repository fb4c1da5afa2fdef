"""The explorers: each `<topic>_explorer()` launches with no arguments.

Every module in this package holds the explorers of one lesson; this file re-exports
each public function whose name ends in `_explorer`.
"""

import importlib
import pkgutil

from helpers.explorer import Explorer, FigureView

__all__ = ["Explorer", "FigureView"]
import helpers.lessons as _lessons  # transitional: lessons move into helpers.lessons

for _prefix, _path in ((__name__, __path__), (_lessons.__name__, _lessons.__path__)):
  for _module in pkgutil.iter_modules(_path):
    if not _module.name.startswith("_"):
        _loaded = importlib.import_module(f"{_prefix}.{_module.name}")
        for _name in dir(_loaded):
            _value = getattr(_loaded, _name)
            if _name.endswith("_explorer") and not _name.startswith("_") and _value.__module__ == _loaded.__name__:
                globals()[_name] = _value
                __all__.append(_name)  # defined here, not imported
