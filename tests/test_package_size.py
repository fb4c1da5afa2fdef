"""helpers/ stays small enough to read in one sitting (the design's targets): at most
4,000 lines after `ruff format`, no module over 500, and the code behind one explorer
(its module and what it imports inside helpers/) at most 800 lines, 2,000 for the
clinic, whose explorer runs `diagnose`.

One explorer is over 800 and may not grow past 892 (909 before it was trimmed): the
training explorer's lesson file holds its checks (feedback.py) and calls train(), a
public door (validate.py), so its closure is l05 + training + validate + explorer +
feedback."""

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


def test_helpers_is_at_most_4000_lines_and_no_module_over_500():
    sizes = {
        name: package_size.line_count(path)
        for name, path in package_size.module_files().items()
    }
    assert sum(sizes.values()) <= 4000, sorted(sizes.items(), key=lambda item: -item[1])
    assert max(sizes.values()) <= 500, max(sizes.items(), key=lambda item: item[1])


LIMITS = {"clinic_explorer": 2000, "training_explorer": 892}


def test_the_code_behind_each_explorer_is_read_in_one_sitting():
    closures = package_size.explorer_closures()
    for name, (lines, modules) in closures.items():
        assert lines <= LIMITS.get(name, 800), f"{name}: {lines} lines in {modules}"
