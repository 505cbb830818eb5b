# --8<-- [start:setup]
import copy

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from torch import nn

torch.manual_seed(0)
digits = load_digits()
X_all = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)  # (1797, 1, 8, 8)
y_all = torch.tensor(digits.target)
# --8<-- [end:setup]

# --8<-- [start:split]
old, new = y_all < 5, y_all >= 5
X_old, y_old = X_all[old], y_all[old]  # digits 0-4: plenty of labels, for pretraining
X_new, y_new = X_all[new], y_all[new] - 5  # digits 5-9, relabelled 0-4: the new task
assert y_all[old].unique().tolist() == [0, 1, 2, 3, 4] and len(X_old) == 901
assert y_all[new].unique().tolist() == [5, 6, 7, 8, 9]

generator = torch.Generator().manual_seed(0)
order = torch.randperm(len(X_new), generator=generator)
test_idx = torch.cat([order[y_new[order] == c][:60] for c in range(5)])  # 60 test images a class
pool_idx = order[~torch.isin(order, test_idx)]  # the rest: where the few labels come from
X_test, y_test = X_new[test_idx], y_new[test_idx]
print(f"pretraining: {len(X_old)} images of the digits 0 to 4")
print(
    f"new task, the digits 5 to 9: {len(pool_idx)} images to label from, {len(X_test)} for testing"
)
# --8<-- [end:split]


# --8<-- [start:model]
def make_features():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (8, 4, 4)
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (16, 2, 2)
        nn.Flatten(),  # 64 features
    )  # fmt: skip


loss_fn = nn.CrossEntropyLoss()


def fit(net, X, y, num_steps, lr=3e-3, batch_size=25, params=None, seed=0):
    optimizer = torch.optim.Adam(params if params is not None else net.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)  # the mini-batches depend on the seed only
    for _ in range(num_steps):
        batch = torch.randint(len(X), (batch_size,), generator=generator)  # a random mini-batch
        loss = loss_fn(net(X[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return net


def accuracy(net, X, y):
    with torch.no_grad():
        return (net(X).argmax(dim=1) == y).float().mean().item()


# --8<-- [end:model]

# --8<-- [start:pretrain]
pretrained = nn.Sequential(make_features(), nn.Linear(64, 5))
fit(pretrained, X_old, y_old, num_steps=150, batch_size=64)
print(f"pretrained on 0 to 4: training accuracy {accuracy(pretrained, X_old, y_old):.3f}")
assert accuracy(pretrained, X_old, y_old) > 0.95
# --8<-- [end:pretrain]


# --8<-- [start:three_ways]
num_steps = 60  # the same budget for every method


def new_head(seed):
    torch.manual_seed(seed)  # the same new head for every method, for one seed
    return nn.Linear(64, 5)


def scratch(X, y, seed):
    head = new_head(seed)
    net = nn.Sequential(make_features(), head)  # random features, drawn after the head
    return fit(net, X, y, num_steps, seed=seed)


def frozen(X, y, seed):
    features = copy.deepcopy(pretrained[0]).requires_grad_(False)  # kept as they are
    net = nn.Sequential(features, new_head(seed))  # only this new head learns
    return fit(net, X, y, num_steps, lr=1e-2, params=net[1].parameters(), seed=seed)


def fine_tuned(X, y, seed):
    features = copy.deepcopy(pretrained[0])  # a starting point: every weight may change
    net = nn.Sequential(features, new_head(seed))
    return fit(net, X, y, num_steps, seed=seed)  # the learning rate of from scratch


# --8<-- [end:three_ways]

# --8<-- [start:experiment]
methods = {"from scratch": scratch, "frozen + linear head": frozen, "fine-tuned": fine_tuned}


def labelled(seed, n):
    """The indices of n labelled images of each new class, picked by the seed."""
    generator = torch.Generator().manual_seed(seed)
    shuffled = pool_idx[torch.randperm(len(pool_idx), generator=generator)]
    return torch.cat([shuffled[y_new[shuffled] == c][:n] for c in range(5)])


label_counts, seeds = [2, 5, 20, 100], [0, 1, 2]
results = {name: {n: [] for n in label_counts} for name in methods}
for seed in seeds:
    for n in label_counts:
        chosen = labelled(seed, n)
        for name, method in methods.items():  # the same labels, head and batches for each
            net = method(X_new[chosen], y_new[chosen], seed)
            results[name][n].append(accuracy(net, X_test, y_test))

mean = {name: {n: sum(a) / len(a) for n, a in r.items()} for name, r in results.items()}
print("labels a class:      " + "".join(f"{n:>7}" for n in label_counts))
for name in methods:
    print(f"{name:<21}" + "".join(f"{mean[name][n]:7.3f}" for n in label_counts))
# --8<-- [end:experiment]

# --8<-- [start:checks]
gain = {n: mean["fine-tuned"][n] - mean["from scratch"][n] for n in label_counts}
print("fine-tuned minus scratch:", {n: round(g, 3) for n, g in gain.items()})
spread = {n: max(a) - min(a) for n, a in results["from scratch"].items()}
print("scratch, best minus worst seed:", {n: round(r, 3) for n, r in spread.items()})
assert all(abs(g) < 0.05 for g in gain.values())  # no reliable gain from pretraining here
assert all(abs(gain[n]) < spread[n] for n in label_counts)  # smaller than seed noise
assert all(mean[name][100] > mean[name][2] + 0.1 for name in methods)  # labels help all
# --8<-- [end:checks]

# --8<-- [start:figure]
fig, ax = plt.subplots(figsize=(5, 3.2))
for name in methods:
    ax.plot(label_counts, [mean[name][n] for n in label_counts], marker="o", label=name)
ax.set(xscale="log", xlabel="labelled images per class (log scale)", ylabel="test accuracy")
ax.set_xticks(label_counts, [str(n) for n in label_counts])
ax.legend()
plt.show()
# --8<-- [end:figure]


# --8<-- [start:fine_tune_lr]
def fine_tuned_lr(X, y, seed, body_lr, head_lr):
    net = nn.Sequential(copy.deepcopy(pretrained[0]), new_head(seed))
    groups = [{"params": net[0].parameters(), "lr": body_lr}, {"params": net[1].parameters()}]
    return fit(net, X, y, num_steps, lr=head_lr, params=groups, seed=seed)


settings = {"body 3e-4, head 3e-4": (3e-4, 3e-4), "body 3e-4, head 3e-3": (3e-4, 3e-3)}
by_lr = {"body 3e-3, head 3e-3": mean["fine-tuned"][20]}  # measured above
for name, (body_lr, head_lr) in settings.items():
    accs = [
        accuracy(fine_tuned_lr(X_new[c], y_new[c], seed, body_lr, head_lr), X_test, y_test)
        for seed in seeds
        for c in [labelled(seed, 20)]
    ]
    by_lr[name] = sum(accs) / len(accs)
for name, acc in by_lr.items():
    print(f"fine-tuned with 20 labels a class, {name}: test accuracy {acc:.3f}")
assert by_lr["body 3e-4, head 3e-4"] < by_lr["body 3e-3, head 3e-3"] - 0.2
assert by_lr["body 3e-4, head 3e-3"] > by_lr["body 3e-4, head 3e-4"] + 0.2  # the head learns
assert by_lr["body 3e-4, head 3e-3"] < by_lr["body 3e-3, head 3e-3"]  # no gain here either
# --8<-- [end:fine_tune_lr]

# --8<-- [start:frozen_batch_norm]
body = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8)).requires_grad_(False)
bn = body[1]
before = bn.running_mean.clone()
body(X_new[:64])  # a forward pass in training mode, the default of a new module
updated_in_training = not torch.equal(bn.running_mean, before)
body.eval()
before = bn.running_mean.clone()
body(X_new[:64])
updated_in_eval = not torch.equal(bn.running_mean, before)
print(f"frozen with requires_grad_(False): running mean updated in training mode "
      f"{updated_in_training}, after .eval() {updated_in_eval}")  # fmt: skip
assert updated_in_training and not updated_in_eval
# --8<-- [end:frozen_batch_norm]

# --8<-- [start:exercise_1]
for name, method in methods.items():
    net = method(X_new[chosen], y_new[chosen], seed=0)
    trained = sum(p.numel() for p in net.parameters() if p.requires_grad)
    print(f"{name:<21} trains {trained:>5} of {sum(p.numel() for p in net.parameters())} weights")
    assert trained == (64 * 5 + 5 if name.startswith("frozen") else 1573)
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
net = frozen(X_new[chosen], y_new[chosen], seed=0)
unchanged = all(
    torch.equal(a, b) for a, b in zip(net[0].parameters(), pretrained[0].parameters(), strict=True)
)
net = fine_tuned(X_new[chosen], y_new[chosen], seed=0)
moved = max(
    (a - b).abs().max().item()
    for a, b in zip(net[0].parameters(), pretrained[0].parameters(), strict=True)
)
print(f"frozen features unchanged: {unchanged}; fine-tuned features moved by up to {moved:.3f}")
assert unchanged and moved > 0.01
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
num_steps = 20  # a third of the budget; scratch and fine_tuned read this global
short = {"from scratch": [], "fine-tuned": []}
for seed in seeds:
    chosen = labelled(seed, 20)
    for name in short:
        net = methods[name](X_new[chosen], y_new[chosen], seed)
        short[name].append(accuracy(net, X_test, y_test))
short_mean = {name: sum(a) / len(a) for name, a in short.items()}
print(f"20 labels a class, {num_steps} steps: scratch {short_mean['from scratch']:.3f}, "
      f"fine-tuned {short_mean['fine-tuned']:.3f}")  # fmt: skip
assert short_mean["fine-tuned"] > short_mean["from scratch"] + 0.05
# --8<-- [end:exercise_3]
