"""schedule.py - what train.py (the decoder) and train_mlm.py (the encoder)
share: AdamW with weight decay on matrices only, and the learning rate.

The rate rises linearly for `warmup` steps, then falls along a cosine to
`min_lr`.  The cosine runs by steps, or by wall time when `max_seconds` is
set and that runs out first, so a run on a slower machine still anneals
fully and stops on time (the time budget counts from the end of warm-up).
"""
import math
import time

import torch


def adamw(model, lr, wd, betas, eps):
    """AdamW over MODEL's parameters: weight decay WD on matrices, none on
    vectors (norms, biases)."""
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    nodecay = [p for n, p in model.named_parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": wd},
                              {"params": nodecay, "weight_decay": 0.0}],
                             lr=lr, betas=betas, eps=eps)


class Schedule:
    def __init__(self, lr, min_lr, warmup, steps, max_seconds):
        self.lr, self.min_lr, self.warmup = lr, min_lr, warmup
        self.steps, self.max_seconds = steps, max_seconds
        self.t_start = time.time()
        self.t_warm = 0.0

    def start(self):
        """The run's clock starts now."""
        self.t_start = time.time()
        self.t_warm = 0.0

    def elapsed(self):
        return time.time() - self.t_start

    def step(self, step):
        """Called at each step: marks the end of warm-up on the clock."""
        if step == self.warmup:
            self.t_warm = self.elapsed()

    def progress(self, step):
        """The fraction of the cosine done, by steps or by wall time."""
        p = (step - self.warmup) / max(1, self.steps - self.warmup)
        if self.max_seconds and step >= self.warmup:
            p = max(p, (self.elapsed() - self.t_warm) / max(1.0, self.max_seconds - self.t_warm))
        return min(1.0, max(0.0, p))

    def done(self, step):
        return step >= self.steps or (step > self.warmup and self.progress(step) >= 1.0)

    def rate(self, step):
        if step < self.warmup:
            return self.lr * (step + 1) / self.warmup
        return self.min_lr + 0.5 * (1 + math.cos(math.pi * self.progress(step))) * (self.lr - self.min_lr)
