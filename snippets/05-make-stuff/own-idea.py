# --8<-- [start:setup]
import csv
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from scipy import stats
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

torch.set_num_threads(1)
digits = load_digits()
X = torch.tensor(digits.data / 16.0, dtype=torch.float32)
y = torch.tensor(digits.target)
train_idx, val_idx = train_test_split(
    np.arange(len(y)), train_size=300, stratify=digits.target, random_state=0
)
print(f"train {len(train_idx)} images, validation {len(val_idx)} images")
# --8<-- [end:setup]


# --8<-- [start:run]
def run(seed, width, num_epochs=20, batch_size=100, lr=0.01):
    """Train a one-hidden-layer network; return its validation accuracy."""
    torch.manual_seed(seed)  # the seed fixes the initial weights and the batch order
    net = nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, 10))
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(num_epochs):
        for batch in torch.randperm(len(train_idx), generator=generator).split(batch_size):
            i = train_idx[batch.numpy()]
            loss = F.cross_entropy(net(X[i]), y[i])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        return (net(X[val_idx]).argmax(dim=1) == y[val_idx]).float().mean().item()


assert run(0, 32) == run(0, 32)  # the same seed and width: exactly the same number
# --8<-- [end:run]

# --8<-- [start:experiment]
seeds = range(8)
variants = {"baseline": 32, "wider": 64}  # the idea: twice as many hidden neurons
folder = tempfile.TemporaryDirectory()
log = Path(folder.name) / "experiments.csv"
with log.open("w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=["variant", "width", "seed", "val_acc"])
    writer.writeheader()
    for seed in seeds:
        for variant, width in variants.items():
            acc = run(seed, width)
            writer.writerow(
                {"variant": variant, "width": width, "seed": seed, "val_acc": f"{acc:.6f}"}
            )

with log.open(newline="") as f:
    rows = list(csv.DictReader(f))
print(f"{log.name}: {len(rows)} runs; its first lines:")
print("".join(log.read_text().splitlines(keepends=True)[:5]), end="")
assert len(rows) == len(seeds) * len(variants) and len(seeds) >= 5
# --8<-- [end:experiment]

# --8<-- [start:mean_std]
acc = {v: np.array([float(r["val_acc"]) for r in rows if r["variant"] == v]) for v in variants}
for variant, values in acc.items():
    print(f"{variant:8s} {values.mean():.4f} ± {values.std(ddof=1):.4f}  over {len(values)} seeds")
# --8<-- [end:mean_std]

# --8<-- [start:paired]
diff = acc["wider"] - acc["baseline"]  # one difference per seed: the same batch order
n, level = len(diff), 0.95
mean, sd = diff.mean(), diff.std(ddof=1)
half_width = stats.t.ppf((1 + level) / 2, df=n - 1) * sd / np.sqrt(n)  # t quantile 0.975
low, high = mean - half_width, mean + half_width
print("differences per seed:", diff.round(4))
print(f"mean gain {mean:.4f}, standard deviation {sd:.4f}")
print(f"{level:.0%} confidence interval for the gain: [{low:.4f}, {high:.4f}]")
t_value = mean / (sd / np.sqrt(n))
np.testing.assert_allclose(t_value, stats.ttest_rel(acc["wider"], acc["baseline"]).statistic)
assert mean > 0 and low > 0  # a gain, and the interval excludes zero
# --8<-- [end:paired]

# --8<-- [start:losing_seed]
losing = [seed for seed, d in zip(seeds, diff, strict=True) if d < 0]
for seed in losing:
    b, w = acc["baseline"][seed], acc["wider"][seed]
    print(f"seed {seed}: baseline {b:.4f}, wider {w:.4f}: the idea loses by {b - w:.4f}")
print(f"seeds where the idea loses: {len(losing)} of {n}")
assert losing  # on such a seed alone, we would have concluded the opposite
print(f"the luckiest seed: {int(diff.argmax())}, with a gain of {diff.max():.4f}")
assert diff.max() > 2 * mean  # and on the luckiest, we would claim twice the gain
folder.cleanup()
# --8<-- [end:losing_seed]


# --8<-- [start:exercise_1]
def interval(d):
    m, s = d.mean(), d.std(ddof=1)
    h = stats.t.ppf(0.975, df=len(d) - 1) * s / np.sqrt(len(d))
    return m - h, m + h


low3, high3 = interval(diff[:3])
print(f"3 seeds: [{low3:.4f}, {high3:.4f}], width {high3 - low3:.4f}")
print(f"8 seeds: [{low:.4f}, {high:.4f}], width {high - low:.4f}")
assert high3 - low3 > 2 * (high - low) and low3 < 0 < low
# --8<-- [end:exercise_1]
