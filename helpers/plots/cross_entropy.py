"""Lesson 04: the gradient of cross-entropy, naive beside stable, with p - y marked."""

import numpy as np

from helpers.plots import _checks as check
from helpers.explorer import number_text
from helpers.plots.jacobian import draw_signed_bars, update_signed_bars

# every entry of p - y lies in [-1, 1]
GRADIENT_LIMIT = 1.0
NAIVE_COLOR, STABLE_COLOR = "#DD8452", "#4C72B0"


def draw_gradient_comparison(ax, class_names, limit=GRADIENT_LIMIT):
    """Naive and stable gradient bars side by side, p - y as markers, two loss texts.

    Returns a dict of artists: naive / stable (bars, labels), target (a Line2D of
    p - y), losses (two Text artists).
    """
    check.axes(ax)
    class_names = check.labels(class_names, "class_names")
    limit = check.number(limit, "limit", "1.0", positive=True)
    naive = draw_signed_bars(
        ax,
        class_names,
        limit,
        "dL / dz per logit",
        offset=-0.2,
        width=0.4,
        color=NAIVE_COLOR,
        label="naive: -sum(y log softmax(z))",
    )
    stable = draw_signed_bars(
        ax,
        class_names,
        limit,
        "dL / dz per logit",
        offset=0.2,
        width=0.4,
        color=STABLE_COLOR,
        label="stable: log-sum-exp",
    )
    (target,) = ax.plot(
        np.arange(len(class_names)),
        np.zeros(len(class_names)),
        "_",
        color="black",
        markersize=40,
        markeredgewidth=2,
        label="p − y",
    )
    # legend and losses sit right of the axes, where no bar can reach them
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, markerscale=0.4)
    losses = [
        ax.text(
            1.04,
            0.45 - 0.1 * row,
            "",
            transform=ax.transAxes,
            va="top",
            color=color,
            fontsize=10,
        )
        for row, color in enumerate((NAIVE_COLOR, STABLE_COLOR))
    ]
    return {"naive": naive, "stable": stable, "target": target, "losses": losses}


def update_gradient_comparison(
    artists,
    grad_naive,
    grad_stable,
    expected,
    loss_naive,
    loss_stable,
    limit=GRADIENT_LIMIT,
):
    """Push both gradients, p - y and both losses into the artists."""
    check.artist_dict(
        artists, ("naive", "stable", "target", "losses"), "draw_gradient_comparison"
    )
    size = len(artists["naive"][0])
    grad_naive = check.values(grad_naive, "grad_naive", size)
    grad_stable = check.values(grad_stable, "grad_stable", size)
    expected = check.values(expected, "expected", size)
    loss_naive = check.number(loss_naive, "loss_naive", "0.42", finite=False)
    loss_stable = check.number(loss_stable, "loss_stable", "0.42", finite=False)
    limit = check.number(limit, "limit", "1.0", positive=True)
    update_signed_bars(*artists["naive"], grad_naive, limit)
    update_signed_bars(*artists["stable"], grad_stable, limit)
    artists["target"].set_ydata(np.clip(expected, -limit, limit))
    for text, name, loss in zip(
        artists["losses"], ("naive", "stable"), (loss_naive, loss_stable)
    ):
        text.set_text(f"{name} loss = {number_text(loss, 4)}")

