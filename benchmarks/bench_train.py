"""Lesson 05's speed targets: helpers.train compiled once, fast, and never retraced.

Run: .venv/bin/python benchmarks/bench_train.py [--eager-all]

For each model: one warm-up call (the one trace), then the median wall time of 12 calls
of 1000 steps with a new learning rate and seed each time (and untimed calls with other
step counts and options in between), the trace count before and after, and the same
1000 steps run eagerly, op by op (linear only unless --eager-all: ~15 s per model).
Exits 1 if a target is missed.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from course import use_course_env

use_course_env()

# imported after the environment and the path are set
import helpers
from helpers import training

STEPS = 1000
CALLS = 12
TARGET_MS = {"linear": 50.0, "mlp": 100.0, "custom_square": 100.0}
# options that change between calls; each model takes the ones that apply to it
OTHER_SETTINGS = (
    {"steps": 10, "loss": "naive"},
    {"steps": 3000, "init_scale": 3.0},
    {"steps": 200, "bias_init": -0.5, "loss": "softmax_twice"},
)


def seconds(run, *args, **kwargs):
    """Wall time of one call run(*args, **kwargs)."""
    start = time.perf_counter()
    run(*args, **kwargs)
    return time.perf_counter() - start


def compiled_median_ms(model):
    """Median ms of CALLS compiled runs of STEPS steps, each with new hyperparameters."""
    times = []
    for call in range(CALLS):
        learning_rate = 10 ** (-4 + 4 * call / (CALLS - 1))  # 1e-4 ... 1
        times.append(seconds(helpers.train, model, STEPS, learning_rate, seed=call))
        helpers.train(model, seed=call, **OTHER_SETTINGS[call % len(OTHER_SETTINGS)])
    if model == "mlp":
        for activation in training.ACTIVATIONS:
            helpers.train(model, steps=50, activation=activation)
    return 1000 * statistics.median(times)


def main(eager_all):
    rows, missed = [], []
    for model in training.MODELS:
        helpers.train(model, steps=10)  # warm-up: the one trace of this model
        traces_before = training.trace_counts[model]
        median_ms = compiled_median_ms(model)
        traces_after = training.trace_counts[model]
        eager_s = None
        if eager_all or model == "linear":
            eager_s = seconds(training.train_eagerly, model, steps=STEPS)
        if median_ms > TARGET_MS[model]:
            missed.append(f"{model}: {median_ms:.1f} ms > {TARGET_MS[model]:.0f} ms")
        if traces_after != traces_before:
            missed.append(f"{model}: retraced ({traces_before} -> {traces_after})")
        rows.append((model, median_ms, eager_s, traces_before, traces_after))
    print_table(rows)
    for line in missed:
        print("MISSED", line)
    return 1 if missed else 0


def print_table(rows):
    """One line per model: compiled median, target, eager time, speed-up, traces."""
    print(f"helpers.train, {STEPS} steps, median of {CALLS} calls after a warm-up")
    header = ("model", "compiled ms", "target ms", "eager s", "speed-up", "traces")
    print(
        f"{header[0]:<14}{header[1]:>12}{header[2]:>10}{header[3]:>9}"
        f"{header[4]:>10}{header[5]:>10}"
    )
    for model, median_ms, eager_s, before, after in rows:
        eager = f"{eager_s:.1f}" if eager_s is not None else "-"
        ratio = f"{1000 * eager_s / median_ms:.0f}x" if eager_s is not None else "-"
        print(
            f"{model:<14}{median_ms:>12.1f}{TARGET_MS[model]:>10.0f}{eager:>9}"
            f"{ratio:>10}{f'{before} -> {after}':>10}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--eager-all",
        action="store_true",
        help="time the eager loop of every model (~15 s each)",
    )
    sys.exit(main(parser.parse_args().eager_all))
