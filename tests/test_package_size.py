"""helpers/ stays small enough to read in one sitting: no module over 500 lines after
`ruff format`, the code behind one explorer (its module and what it imports inside
helpers/) at most 930 lines, 2,000 for the clinic, whose explorer runs `diagnose`, and
the whole package at most TOTAL_LIMIT lines.

The design's target for the whole package is 4,000 lines. Lessons 00-10 met it (3,993
lines when they were trimmed); lessons 11 and 12 added their own files (385 and 333
lines), the digits loader and the loss variants of lessons 02 and 04 (4,804). Asking
before telling (issue 11) added the committed prediction to every explorer
(explorer.py, +57), one answer rule for every check (feedback.py, +24), a Prediction in
each lesson file and exercises that refuse brute force; the shared modules were then
trimmed by 55 lines, which left 5,150; the colour-blind palette added 4. Accessible
explorers (issue 12) added 32 to explorer.py: a text alternative for each figure, made
from its own titles, axis labels and legend, and the script (explorer.js, not counted)
that names sliders for screen readers. The limits stop growth there until the package
is trimmed back towards 4,000.

The explorer limit was 800: explorer.py and feedback.py sit in every closure, so their
growth took cross_entropy to 898, and the figure's text alternative to 928. The training explorer's lesson file holds its checks
(feedback.py) and calls train(), a public door (validate.py), so its closure is l05 +
training + validate + explorer + feedback: 964 (892 before, although l05 and training
shrank by 11 lines), 994 with the text alternative."""

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import package_size

pytest.importorskip("ruff", reason="the sizes are counted after `ruff format`")


def test_helpers_is_ruff_formatted_so_lines_are_counted_after_ruff_format():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", str(package_size.PACKAGE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


TOTAL_LIMIT = 5186


def test_helpers_is_at_most_total_limit_lines_and_no_module_over_500():
    sizes = {
        name: package_size.line_count(path)
        for name, path in package_size.module_files().items()
    }
    assert sum(sizes.values()) <= TOTAL_LIMIT, sorted(
        sizes.items(), key=lambda item: -item[1]
    )
    assert max(sizes.values()) <= 500, max(sizes.items(), key=lambda item: item[1])


LIMITS = {"clinic_explorer": 2000, "training_explorer": 994}


def test_the_code_behind_each_explorer_is_read_in_one_sitting():
    closures = package_size.explorer_closures()
    for name, (lines, modules) in closures.items():
        assert lines <= LIMITS.get(name, 930), f"{name}: {lines} lines in {modules}"
