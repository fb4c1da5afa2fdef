"""Numbers as the figures print them: NaN and inf named plainly."""

import numpy as np


def number_text(value, digits=3):
    """`value` with `digits` significant digits; 'NaN', '+inf', '-inf'; 0 as '0'."""
    value = float(value)
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "+inf" if value > 0 else "-inf"
    if value == 0:
        return "0"  # also -0.0
    return f"{value:.{digits}g}"
