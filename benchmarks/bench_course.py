"""What the lessons cost under nbval beyond starting a kernel and importing TensorFlow.

    .venv/bin/python benchmarks/bench_course.py [--repeat N]

Times two nbval (strict) runs over copies of every lesson, made in a temporary folder:
  full:    the lessons as they are;
  imports: every lesson cut to its setup cell (imports and seeds), so each still starts
           a kernel and imports TensorFlow, Keras and helpers, and does nothing else.
Target: full <= 1.5 x imports. With --repeat N each run is timed N times and the
medians are compared. Prints a table and exits with status 1 if the target is missed.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course import COURSE_ENV

TARGET_RATIO = 1.5


def cut_to_setup_cell(notebook):
    """The notebook up to and including its first code cell (the setup cell)."""
    first_code = next(i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code")
    notebook.cells = notebook.cells[: first_code + 1]
    return notebook


def write_copies(folder, cut):
    folder.mkdir()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        nbformat.write(cut_to_setup_cell(notebook) if cut else notebook, folder / path.name)


def time_nbval(folder):
    """Seconds for one nbval run over `folder`; raises if any cell fails."""
    env = {**os.environ, **COURSE_ENV}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "--nbval", "--nbval-current-env", "--rootdir", str(folder), str(folder)]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True,
                            check=False)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"nbval failed in {folder}:\n{result.stdout[-3000:]}")
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        full, imports = Path(temp) / "full", Path(temp) / "imports"
        write_copies(full, cut=False)
        write_copies(imports, cut=True)
        full_times, import_times = [], []
        for _ in range(args.repeat):
            import_times.append(time_nbval(imports))
            full_times.append(time_nbval(full))
    full_s, imports_s = statistics.median(full_times), statistics.median(import_times)
    ratio = full_s / imports_s
    passed = ratio <= TARGET_RATIO
    print(f"{'run':<10}{'seconds':>10}")
    print(f"{'imports':<10}{imports_s:>10.1f}")
    print(f"{'full':<10}{full_s:>10.1f}")
    print(f"ratio {ratio:.2f} (target <= {TARGET_RATIO}): {'pass' if passed else 'FAIL'}")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
