# SPDX-License-Identifier: LGPL-2.1-or-later
"""Training one model on some clips and predicting others: class-weighted
cross-entropy, Adam, a fixed number of epochs, deterministic for a seed."""
import numpy as np
import torch
from torch import nn

from . import metrics, models


def standardisation(x, mask):
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    scale = np.where(std > 1e-6, 1.0 / np.maximum(std, 1e-6), 0.0) * mask
    return (mean * mask).astype(np.float32), scale.astype(np.float32)


def class_weights(y, classes):
    """n / (classes * count): the balanced weights (imbalanced data such as DFEW)."""
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    return np.where(counts > 0, len(y) / (classes * np.maximum(counts, 1)), 0.0)


def train(args, x, y, classes, mask, x_val=None, y_val=None, seed=0):
    """Returns the model and the curves: per epoch the training loss and,
    with validation data, its loss and UAR."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    mean, scale = standardisation(x, mask)
    model = models.build(args.model, mean, scale, classes, args.hidden, args.dropout)
    loss_fn = nn.CrossEntropyLoss(weight=torch.tensor(class_weights(y, classes), dtype=torch.float32))
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y).long()
    curves = {"epoch": [], "train_loss": [], "val_loss": [], "val_uar": []}
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = rng.permutation(len(y))
        total = 0.0
        for start in range(0, len(order), args.batch_size):
            idx = torch.from_numpy(order[start:start + args.batch_size])
            optimiser.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            optimiser.step()
            total += loss.item() * len(idx)
        curves["epoch"].append(epoch)
        curves["train_loss"].append(total / len(y))
        if x_val is not None:
            model.eval()
            with torch.no_grad():
                logits = model(torch.from_numpy(x_val))
                curves["val_loss"].append(float(loss_fn(logits, torch.from_numpy(y_val).long())))
            curves["val_uar"].append(metrics.uar(y_val, logits.argmax(dim=1).numpy()))
    return model, curves


def predict(model, x):
    """Class probabilities, (n, classes)."""
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(torch.from_numpy(x)), dim=1).numpy()
