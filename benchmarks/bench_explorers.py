"""How fast every explorer answers, in the kernel and in the browser.

    .venv/bin/python benchmarks/bench_explorers.py [--moves N] [--memory-moves N]
                                                   [--no-browser] [NAME ...]

Finds every explorer (each function in helpers.widgets whose name ends in _explorer;
NAME ... restricts to those) and measures, for each:

- kernel: the median time of N (default 15, at least 10) moves of its first slider
  (its first control if it has no slider): set the control's value, time until the
  setter returned (the update runs inside it) and check the image's value changed;
- memory: the RSS growth (psutil) over 500 more moves of it, after a warm-up, and that
  matplotlib's pyplot figure list (matplotlib.pyplot.get_fignums()) stays the same;
- browser: in JupyterLab in headless Chromium (the machinery of tests/browser_support),
  the median time from an arrow-key press on its first slider handle to the load of
  the new image in the page, over N presses (for an explorer without a slider: from
  choosing the next dropdown option / clicking the first control).

Targets (CONTRIBUTING.md): an explorer that retrains a model answers within 150 ms in
the kernel and 250 ms in the browser; every other explorer (gradients, probabilities)
within 50 ms in the kernel and 150 ms in the browser; memory grows < 20 MB over the
500 moves and no pyplot figure is opened. Which explorers retrain is decided by, in
order: a `retrains` attribute on the explorer function (True/False); a module-level
`RETRAINS` in its module (True/False for all of the module's explorers, or a
collection of explorer names); else its name: it retrains if the name contains
"train", "dying" or "relu".

Prints a table and exits with status 1 if any explorer misses a target.
"""

import argparse
import contextlib
import gc
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from course import use_course_env

use_course_env()

RETRAIN_WORDS = ("train", "dying", "relu")
TARGETS = {  # kind: (kernel ms, browser ms)
    "retrains": (150.0, 250.0),
    "fast": (50.0, 150.0),
}
MEMORY_LIMIT_MB = 20.0


# ------------------------------------------------------------------------ discovery


def explorers(names=()):
    import helpers.widgets

    found = {}
    for name in sorted(dir(helpers.widgets)):
        function = getattr(helpers.widgets, name)
        if name.endswith("_explorer") and not name.startswith("_") and callable(function):
            found[name] = function
    if names:
        missing = set(names) - set(found)
        if missing:
            sys.exit(f"no such explorer(s): {', '.join(sorted(missing))}; "
                     f"known: {', '.join(found)}")
        found = {name: found[name] for name in names}
    return found


def retrains(name, function):
    """The rule in the module docstring; returns (bool, where the answer came from)."""
    if hasattr(function, "retrains"):
        return bool(function.retrains), "attribute"
    module = sys.modules.get(function.__module__)
    marker = getattr(module, "RETRAINS", None)
    if isinstance(marker, bool):
        return marker, "module"
    if marker is not None:
        return name in marker, "module"
    return any(word in name.lower() for word in RETRAIN_WORDS), "name"


# ------------------------------------------------------------------------ kernel side


def first_control(explorer):
    """The first slider of the explorer, else its first control."""
    import ipywidgets as widgets

    sliders = [c for c in explorer.controls
               if isinstance(c, (widgets.FloatSlider, widgets.IntSlider,
                                 widgets.FloatLogSlider, widgets.SelectionSlider,
                                 widgets.IntRangeSlider, widgets.FloatRangeSlider,
                                 widgets.SelectionRangeSlider))]
    return (sliders or explorer.controls)[0]


def mover(control, step_count=2):
    """A function that moves `control` once (a realistic small move, back and forth
    between its ends: `step_count` steps of a slider, the next option of a
    dropdown, a flip of a toggle, a click of a button)."""
    import ipywidgets as widgets

    state = {"direction": 1}

    if isinstance(control, widgets.Button):
        return control.click
    if isinstance(control, (widgets.ToggleButton, widgets.Checkbox)):
        def flip():
            control.value = not control.value
        return flip
    if hasattr(control, "options") and not isinstance(control, widgets.SelectionRangeSlider):
        def next_option():
            options = control.options
            index = control.index if control.index is not None else 0
            step = state["direction"] * (step_count if "Slider" in type(control).__name__
                                         else 1)
            new = index + step
            if not 0 <= new < len(options):
                if isinstance(control, widgets.SelectionSlider):
                    state["direction"] *= -1
                    new = index - step
                else:
                    new %= len(options)
            control.index = max(0, min(len(options) - 1, new))
        return next_option

    is_log = isinstance(control, widgets.FloatLogSlider)
    is_range = isinstance(control.value, tuple)

    def position():
        value = control.value[0] if is_range else control.value
        if is_log:
            import math
            return math.log(value, control.base)
        return value

    def set_position(pos):
        value = control.base ** pos if is_log else pos
        if isinstance(control, (widgets.IntSlider, widgets.IntRangeSlider)):
            value = round(value)
        if is_range:
            width = control.value[1] - control.value[0]
            control.value = (value, value + width)
        else:
            control.value = value

    def slide():
        low, high = control.min, control.max
        if is_range:
            high = control.max - (control.value[1] - control.value[0])
        step = control.step or (high - low) / 100
        new = position() + state["direction"] * step_count * step
        if new > high + 1e-12 or new < low - 1e-12:
            state["direction"] *= -1
            new = position() + state["direction"] * step_count * step
        set_position(min(max(new, low), high))
    return slide


def failed(explorer):
    """The explorer's error text if its update raised, else ''."""
    status = getattr(explorer.status, "value", "")
    if "raised an error" in status:
        return status
    if explorer.errors.outputs:
        return str(explorer.errors.outputs)[:500]
    return ""


def bench_kernel(name, function, moves, memory_moves):
    # Outside a kernel, Explorer's errors.clear_output() writes a terminal "clear line"
    # escape to stdout on every update: keep it out of the table.
    with contextlib.redirect_stdout(io.StringIO()):
        return _bench_kernel(name, function, moves, memory_moves)


def _bench_kernel(name, function, moves, memory_moves):
    import matplotlib.pyplot as plt
    import psutil

    result = {"name": name}
    figures_before = list(plt.get_fignums())
    explorer = function()
    control = first_control(explorer)
    result["control"] = f"{type(control).__name__} {getattr(control, 'description', '')!r}"
    move = mover(control)
    for _ in range(3):  # warm caches (first tf.function traces, first draws)
        move()
    times, unchanged = [], 0
    for _ in range(moves):
        before = explorer.view.image.value
        start = time.perf_counter()
        move()
        elapsed = (time.perf_counter() - start) * 1000
        if explorer.view.image.value == before:
            unchanged += 1
        else:
            times.append(elapsed)
    result["kernel_ms"] = statistics.median(times) if times else float("nan")
    result["unchanged"] = unchanged
    result["error"] = failed(explorer)

    process = psutil.Process()
    for _ in range(20):
        move()
    gc.collect()
    rss_before = process.memory_info().rss
    for _ in range(memory_moves):
        move()
    gc.collect()
    result["memory_mb"] = (process.memory_info().rss - rss_before) / 2**20
    result["figures_ok"] = list(plt.get_fignums()) == figures_before
    result["error"] = result["error"] or failed(explorer)
    del explorer
    gc.collect()
    return result


# ------------------------------------------------------------------------ browser side

JS_INSTALL_TIMER = """(root) => {
    const img = root.querySelector(':scope > img.widget-image');
    const bench = {t0: null, t1: null};
    root.__bench = bench;
    const start = () => { if (bench.t0 === null) bench.t0 = performance.now(); };
    for (const type of ['keydown', 'change', 'mousedown']) {
        root.addEventListener(type, start, true);
    }
    img.addEventListener('load', () => {
        if (bench.t0 !== null && bench.t1 === null) bench.t1 = performance.now();
    });
}"""


def bench_browser(names, moves, timeout_s=10.0):
    """{name: (median ms or None, note)} for every explorer, measured in JupyterLab."""
    import browser_support as bs
    import nbformat
    from playwright.sync_api import sync_playwright

    if not bs.chromium_available():
        sys.exit(bs.INSTALL_HINT)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python",
                                       "display_name": "Python 3 (ipykernel)"}
    notebook.cells = [nbformat.v4.new_code_cell("import helpers\nimport helpers.widgets")]
    notebook.cells += [nbformat.v4.new_code_cell(f"helpers.widgets.{name}()")
                       for name in names]
    results = {}
    with bs.JupyterServer("lab") as server, sync_playwright() as playwright:
        relative = server.write_notebook("bench_explorers.ipynb", notebook)
        browser = bs.launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(30_000)
            view = bs.NotebookPage(page, server, relative)
            view.open()
            view.run_all(timeout=600)
            by_cell = {explorer.cell_index(): explorer for explorer in view.explorers()}
            for position, name in enumerate(names, start=1):
                explorer = by_cell.get(position)
                if explorer is None:
                    results[name] = (None, "not shown (did it raise?)")
                    continue
                results[name] = time_moves(page, explorer, moves, timeout_s)
            if view.page_errors:
                print("page errors:\n" + "\n".join(view.page_errors), file=sys.stderr)
        finally:
            browser.close()
    return results


def time_moves(page, explorer, moves, timeout_s):
    """Median ms from an input event (key press, option chosen, click) on the
    explorer's first slider (else first control) to the load of its next image."""
    import browser_support as bs

    controls = explorer.controls()
    sliders = [c for c in controls if c.kind == "slider"]
    if not controls:
        return None, "no controls"
    control = (sliders or controls)[0]
    explorer.root.evaluate(JS_INSTALL_TIMER)
    handle = explorer.root.element_handle()
    times, misses = [], 0
    for attempt in range(moves):
        explorer.root.evaluate("(r) => { r.__bench.t0 = null; r.__bench.t1 = null; }")
        if control.kind == "slider":
            if attempt == 0:
                bs.scroll_to(control.locator)
            control.locator.focus()
            direction = explorer.slider_direction(control.locator)
            page.keyboard.press(explorer.slider_keys(control.locator, direction))
        else:
            explorer.act(control)
        try:
            page.wait_for_function("(r) => r.__bench.t1 !== null", arg=handle,
                                   timeout=timeout_s * 1000, polling=5)
        except Exception:  # noqa: BLE001 - a press that showed no new image
            misses += 1
            continue
        t0, t1 = explorer.root.evaluate("(r) => [r.__bench.t0, r.__bench.t1]")
        times.append(t1 - t0)
        time.sleep(0.05)
    note = f"{control.kind}" + (f", {misses} press(es) showed no new image" if misses else "")
    return (statistics.median(times) if times else None), note


# ------------------------------------------------------------------------ report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="explorers to measure (default: all)")
    parser.add_argument("--moves", type=int, default=15,
                        help="moves timed per explorer, kernel and browser (min 10)")
    parser.add_argument("--memory-moves", type=int, default=500)
    parser.add_argument("--no-browser", action="store_true",
                        help="kernel side only (no JupyterLab, no Chromium)")
    args = parser.parse_args(argv)
    moves = max(args.moves, 10)
    found = explorers(args.names)
    if not found:
        sys.exit("no explorers found in helpers.widgets")

    rows = []
    for name, function in found.items():
        kind, source = retrains(name, function)
        print(f"kernel: {name} ...", flush=True)
        try:
            row = bench_kernel(name, function, moves, args.memory_moves)
        except Exception as error:  # noqa: BLE001 - reported in the table as a failure
            row = {"name": name, "kernel_ms": float("nan"), "memory_mb": float("nan"),
                   "figures_ok": False, "unchanged": 0, "control": "?",
                   "error": f"{type(error).__name__}: {error}"}
        row["retrains"], row["rule"] = kind, source
        rows.append(row)

    browser = {}
    if not args.no_browser:
        print("browser: JupyterLab + Chromium ...", flush=True)
        browser = bench_browser(list(found), moves)

    header = (f"{'explorer':30} {'kernel ms':>9} {'browser ms':>10} {'memory MB':>9} "
              f"{'target (kernel/browser)':>24}  result")
    print("\n" + header + "\n" + "-" * len(header))
    misses = 0
    for row in rows:
        kernel_target, browser_target = TARGETS["retrains" if row["retrains"] else "fast"]
        browser_ms, browser_note = browser.get(row["name"], (None, "not measured"))
        problems = []
        if row.get("error"):
            problems.append(f"error: {row['error']}")
        if not row["kernel_ms"] <= kernel_target:
            problems.append("kernel too slow" if row["kernel_ms"] == row["kernel_ms"]
                            else "kernel: no move changed the image")
        if not args.no_browser and not (browser_ms is not None
                                        and browser_ms <= browser_target):
            problems.append(f"browser {'too slow' if browser_ms else browser_note}")
        if not row["memory_mb"] < MEMORY_LIMIT_MB:
            problems.append("memory grows")
        if not row["figures_ok"]:
            problems.append("pyplot figures opened")
        misses += bool(problems)
        target = (f"{'retrains' if row['retrains'] else 'fast'} "
                  f"≤{kernel_target:.0f}/≤{browser_target:.0f}")
        shown_browser = "-" if browser_ms is None else f"{browser_ms:.0f}"
        print(f"{row['name']:30} {row['kernel_ms']:9.1f} {shown_browser:>10} "
              f"{row['memory_mb']:9.1f} {target:>24}  "
              f"{'FAIL: ' + '; '.join(problems) if problems else 'pass'}")
    print(f"\nkernel: median of {moves} moves of the first slider (first control "
          f"without one); memory: RSS growth over {args.memory_moves} moves; browser: "
          f"median key press -> new image over {moves} presses.\nretrains by: "
          + ", ".join(f"{r['name']}={r['rule']}" for r in rows if r["retrains"]))
    for row in rows:
        if row.get("unchanged"):
            print(f"note: {row['name']}: {row['unchanged']} of {moves} kernel moves left "
                  f"the image unchanged ({row['control']})")
    for name, (_ms, note) in browser.items():
        if "no new image" in note:
            print(f"note: {name} (browser): {note}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
