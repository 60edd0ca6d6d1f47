# SPDX-License-Identifier: LGPL-2.1-or-later
"""train-report/: metrics.json (fer-eval's format), the curves as PNG."""
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)


def plot_curves(curves_by_fold, path, title):
    """Loss and validation UAR per epoch, one line per fold."""
    fig, (ax_loss, ax_uar) = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    for name, c in curves_by_fold.items():
        ax_loss.plot(c["epoch"], c["train_loss"], label=f"{name} train")
        if c["val_loss"]:
            ax_loss.plot(c["epoch"], c["val_loss"], "--", label=f"{name} validation")
            ax_uar.plot(c["epoch"], c["val_uar"], label=name)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("cross-entropy (class-weighted)")
    ax_loss.set_title("loss")
    ax_loss.legend(fontsize=7)
    ax_uar.set_xlabel("epoch")
    ax_uar.set_ylabel("UAR")
    ax_uar.set_ylim(0, 1.05)
    ax_uar.set_title("validation UAR")
    if ax_uar.lines:
        ax_uar.legend(fontsize=7)
    else:
        ax_uar.text(0.5, 0.5, "no validation split", ha="center", transform=ax_uar.transAxes)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_json(doc, path):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
