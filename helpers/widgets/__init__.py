"""The explorers: each `<topic>_explorer()` launches with no arguments.

Every module in this package holds the explorers of one lesson; this file re-exports
each public function whose name ends in `_explorer`.
"""

import importlib
import pkgutil

from helpers.widgets._core import Explorer, FigureView

__all__ = ["Explorer", "FigureView"]
for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        _loaded = importlib.import_module(f"{__name__}.{_module.name}")
        for _name in dir(_loaded):
            _value = getattr(_loaded, _name)
            if _name.endswith("_explorer") and not _name.startswith("_") and _value.__module__ == _loaded.__name__:
                globals()[_name] = _value
                __all__.append(_name)  # defined here, not imported
