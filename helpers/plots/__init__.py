"""Drawing functions: each takes an Axes, draws, and returns the artists to update.

No widgets here; one module per lesson (helpers.plots.softmax, ...).
"""
