"""What diagnose reports: a Finding per source in a Report (text and HTML forms), and
`status_of`, the one place where a gradient's status is decided."""

import html
import re
from collections import namedtuple
from dataclasses import dataclass, field

import numpy as np

# A slope below this is "vanished": sigmoid'(-20) = 2.1e-9; float32 rounding leaves
# about 1e-7 where an exact zero is due (the gradient of sum(softmax) through a matmul).
VANISHING = 1e-6


def status_of(grad):
    """(status, mask): 'none', 'nan', 'zero', 'partly_zero' or 'ok', and the elements
    that are NaN or inf, or zero (smaller than VANISHING)."""
    if grad is None:
        return "none", None
    bad = ~np.isfinite(grad)
    if bad.any():
        return "nan", bad
    bad = np.abs(grad) < VANISHING
    if not bad.any():
        return "ok", bad
    return ("zero" if bad.all() else "partly_zero"), bad


# A cause found for one source: why, the fix, where (ops from the source) and how much
# (the share of the op's elements it affects)
Verdict = namedtuple("Verdict", "cause explanation fix distance share", defaults=(0, 1.0))


@dataclass(frozen=True)
class Finding:
    """One source's diagnosis: status, cause (None when ok), why, and the fix."""

    name: str
    status: str
    cause: str | None
    explanation: str
    fix: str
    gradient: np.ndarray | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, name, status, mask, verdict, grad=None):
        """The Finding for a source: how many elements are affected, then the verdict."""
        if status == "ok":
            why = "Every element of the gradient is finite and nonzero."
            return cls(name, "ok", None, why, "Nothing to fix.", grad)
        why = verdict.explanation
        if mask is not None:
            count, what = int(mask.sum()), "NaN or inf" if status == "nan" else "zero"
            counted = f"{count} of {mask.size} elements {'is' if count == 1 else 'are'}"
            if count == mask.size:
                counted = "It is" if count == 1 else f"All {count} elements are"
            why = f"{counted} {what}: {why}"
        return cls(name, status, verdict.cause, why, verdict.fix, grad)


def described(error):
    """'Type: first line of the message', cut at 160 characters, no TF node prefix."""
    # eager op errors start with '{{function_node __wrapped__MatMul_device_/job:...}} '
    message = re.sub(r"^\{\{function_node [^}]*\}\}\s*", "", str(error).strip())
    line = (message.splitlines() or [""])[0].rstrip(".")
    line = line if len(line) <= 160 else line[:157] + "..."
    return f"{type(error).__name__}: {line}"


class Report(tuple):
    """The findings of `diagnose`, one per source; prints as a table (lesson 10)."""

    @property
    def ok(self):
        """True when every source has a finite, nonzero gradient."""
        return all(finding.status == "ok" for finding in self)

    def __getitem__(self, key):
        """A finding by position or by source name."""
        if not isinstance(key, str):
            return super().__getitem__(key)
        for finding in self:
            if finding.name == key:
                return finding
        names = ", ".join(finding.name for finding in self)
        raise KeyError(f"no source named {key!r}; the sources are: {names}.")

    def __str__(self):
        rows = [("source", "status", "cause")]
        rows += [(finding.name, finding.status, finding.cause or "-") for finding in self]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
            for row in rows
        ]
        lines.insert(1, "  ".join("-" * width for width in widths))
        for finding in self:
            cause = f" ({finding.cause})" if finding.cause else ""
            lines += ["", f"{finding.name}: {finding.status}{cause}"]
            lines += [f"  why: {finding.explanation}", f"  fix: {finding.fix}"]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        colours, left = {"ok": "#1a7f37", "nan": "#cf222e"}, "style='text-align:left'"
        titles = ("source", "status", "cause", "why", "fix")
        rows = ["".join(f"<th {left}>{title}</th>" for title in titles)]
        for finding in self:
            colour = colours.get(finding.status, "#9c4a00")
            cells = [
                f"<code>{html.escape(finding.name)}</code>",
                f"<b style='color:{colour}'>{finding.status}</b>",
                f"<code>{finding.cause}</code>" if finding.cause else "-",
                html.escape(finding.explanation),
                html.escape(finding.fix),
            ]
            rows.append("".join(f"<td {left}>{cell}</td>" for cell in cells))
        return "<table>" + "".join(f"<tr>{row}</tr>" for row in rows) + "</table>"
