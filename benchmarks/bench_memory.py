"""The peak memory of each lesson's kernel: what a learner's server must hold.

    .venv/bin/python benchmarks/bench_memory.py [NAME ...]

Runs a copy of every lesson (notebooks/[0-9][0-9]_*.ipynb; NAME ... restricts to those
whose file name starts with NAME, e.g. 05 or 05_training) in a fresh kernel, as
scripts/execute_notebooks.py does, explorers included, and reads the kernel process's
peak resident memory (VmHWM in /proc/<pid>/status, so Linux only) after its last cell,
before it shuts down. Prints a Markdown table and exits with status 1 if any lesson
peaks at 1 GiB or more (a JupyterHub often gives a learner 1-2 GB).
"""

import argparse
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course import use_course_env

LIMIT_MIB = 1024


def lessons(names):
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if names:
        paths = [path for path in paths if path.name.startswith(tuple(names))]
        if not paths:
            sys.exit(f"no lesson starts with {' or '.join(names)}")
    return paths


def peak_mib(pid):
    """The peak resident memory of process `pid` so far, in MiB (VmHWM, Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # the line reads "VmHWM:  123456 kB"
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")


def kernel_peak_mib(path, folder):
    """Run a copy of the lesson at `path` in `folder` in a fresh kernel; its peak MiB."""
    notebook = nbformat.read(path, as_version=4)
    nbformat.write(notebook, folder / path.name)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
    )
    with client.setup_kernel():  # the kernel shuts down when this block ends
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)  # raises unless the cell may fail
        return peak_mib(client.km.provisioner.pid)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME")
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        sys.exit("bench_memory reads /proc/<pid>/status: it runs on Linux only")
    use_course_env()
    rows = []
    with tempfile.TemporaryDirectory() as temp:
        for path in lessons(args.names):
            rows.append((path.stem, kernel_peak_mib(path, Path(temp))))
            print(f"{path.stem}: {rows[-1][1]:.0f} MiB", file=sys.stderr, flush=True)
    print("| lesson | peak kernel memory (MiB) |")
    print("|---|---:|")
    for name, peak in rows:
        print(f"| {name} | {peak:.0f} |")
    over = [name for name, peak in rows if peak >= LIMIT_MIB]
    print(f"largest peak {max(peak for _, peak in rows):.0f} MiB (limit < {LIMIT_MIB} MiB): "
          + (f"FAIL ({', '.join(over)})" if over else "pass"))
    sys.exit(1 if over else 0)


if __name__ == "__main__":
    main()
