# --8<-- [start:setup]
import time

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

torch.manual_seed(0)
torch.set_num_threads(1)  # one CPU thread, as the build runs every example
# --8<-- [end:setup]


# --8<-- [start:alexnet]
def classifier(in_features, hidden, num_classes, activation=nn.ReLU, dropout=0.5):
    """AlexNet's three fully connected layers, with dropout on the first two's outputs."""
    return nn.Sequential(
        nn.Linear(in_features, hidden), activation(), nn.Dropout(dropout),
        nn.Linear(hidden, hidden), activation(), nn.Dropout(dropout),
        nn.Linear(hidden, num_classes),
    )  # fmt: skip


class AlexNet(nn.Module):
    """Five convolutions (ReLU, overlapping 3x3 max pooling) and the classifier above.
    groups=2 splits a layer in two halves that see only their own half of the input channels."""

    def __init__(self, channels=(64, 192, 384, 256, 256), groups=(1, 1, 1, 1), hidden=4096):
        c1, c2, c3, c4, c5 = channels
        g2, g3, g4, g5 = groups
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, c1, 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, stride=2),
            nn.Conv2d(c1, c2, 5, padding=2, groups=g2), nn.ReLU(), nn.MaxPool2d(3, stride=2),
            nn.Conv2d(c2, c3, 3, padding=1, groups=g3), nn.ReLU(),
            nn.Conv2d(c3, c4, 3, padding=1, groups=g4), nn.ReLU(),
            nn.Conv2d(c4, c5, 3, padding=1, groups=g5), nn.ReLU(), nn.MaxPool2d(3, stride=2),
        )  # fmt: skip
        self.pool = nn.AdaptiveAvgPool2d(6)  # a no-op on a 224 x 224 image: already 6 x 6
        self.classifier = classifier(c5 * 6 * 6, hidden, 1000)

    def forward(self, x):
        return self.classifier(self.pool(self.features(x)).flatten(1))


def num_params(net):
    return sum(p.numel() for p in net.parameters())


with torch.device("meta"):  # shapes only, no memory: counting is instant
    paper_net = AlexNet(channels=(96, 256, 384, 384, 256), groups=(2, 1, 2, 2))
print(f"AlexNet as in the paper (two GPUs): {num_params(paper_net):,} parameters")
assert num_params(paper_net) == 60_965_224

net = AlexNet()  # torchvision's one-GPU version, with random weights
print(f"AlexNet as in torchvision:          {num_params(net):,} parameters")
assert num_params(net) == 61_100_840  # torchvision's documented num_params
net.eval()
with torch.no_grad():
    start = time.process_time()  # CPU time: other programs running do not count
    y_hat = net(torch.randn(1, 3, 224, 224))
    seconds = time.process_time() - start
print(f"one 224x224 image -> {tuple(y_hat.shape)}, forward pass on one thread: {seconds:.3f} s")
assert y_hat.shape == (1, 1000)
# --8<-- [end:alexnet]

# --8<-- [start:data]
digits = load_digits()
X = torch.tensor(digits.data, dtype=torch.float32)  # (1797, 64), raw pixels from 0 to 16
y = torch.tensor(digits.target)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)
print(f"images {digits.images.shape[1:]}, train {tuple(X_train.shape)}, test {tuple(X_test.shape)}")
print(f"pixels from {X.min():.0f} to {X.max():.0f}")
assert digits.images.shape[1:] == (8, 8) and X_train.shape == (1347, 64) and X.max() == 16
# --8<-- [end:data]


# --8<-- [start:saturation]
def make_net(activation, hidden=64):
    """AlexNet's classifier, 64 neurons wide, on the 64 pixels; no dropout."""
    return classifier(64, hidden, 10, activation, dropout=0.0)


num_weights = num_params(make_net(nn.ReLU))
print(f"{num_weights} parameters")
assert num_weights == (64 * 64 + 64) * 2 + (64 * 10 + 10) == 8970


def saturated_fraction(scale):
    torch.manual_seed(0)
    z = make_net(nn.Tanh)[0](X_train * scale)  # the first layer's inputs to tanh
    return (torch.tanh(z).abs() > 0.99).float().mean().item()


raw_saturated, normalised_saturated = saturated_fraction(1.0), saturated_fraction(1 / 16)
print(f"tanh outputs beyond ±0.99 at the start: raw pixels {raw_saturated:.1%}, "
      f"pixels / 16 {normalised_saturated:.1%}")  # fmt: skip
assert raw_saturated > 0.5 and normalised_saturated == 0
# --8<-- [end:saturation]


# --8<-- [start:steps_to_target]
def steps_to_target(activation, scale, lr, target=0.10, max_steps=2000):
    """Full-batch SGD from a fixed start: the training-error curve until it is below target."""
    torch.manual_seed(0)
    net = make_net(activation)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    errors = []
    for _ in range(max_steps):
        y_hat = net(X_train * scale)
        errors.append((y_hat.argmax(dim=1) != y_train).float().mean().item())
        if errors[-1] < target:
            break
        loss = nn.functional.cross_entropy(y_hat, y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return errors, net


raw_relu, relu_net = steps_to_target(nn.ReLU, scale=1.0, lr=0.03)
raw_tanh, _ = steps_to_target(nn.Tanh, scale=1.0, lr=0.03)
speedup = (len(raw_tanh) - 1) / (len(raw_relu) - 1)
print(f"raw pixels: training error below 10% after {len(raw_relu) - 1} steps with ReLU, "
      f"{len(raw_tanh) - 1} with tanh: {speedup:.2f} times fewer with ReLU")  # fmt: skip
assert speedup > 2.2
# --8<-- [end:steps_to_target]

# --8<-- [start:relu_figure]
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(raw_relu, color="C0", label="ReLU")
ax.plot(raw_tanh, color="C1", linestyle="--", label="tanh")
ax.axhline(0.10, color="C2", linestyle=":", label="target: 10% training error")
ax.set(xlabel="SGD step", ylabel="training error", ylim=(0, 1))
ax.legend()
plt.show()
# --8<-- [end:relu_figure]

# --8<-- [start:dead_units]
torch.manual_seed(0)
start_net = make_net(nn.ReLU)  # the same start as relu_net, before training
with torch.no_grad():
    z = start_net[0](X_train)  # the first layer's inputs to ReLU, one row per image
dead = (z <= 0).all(dim=0)  # negative for every training image: slope 0, no gradient
print(f"first-layer ReLU neurons dead at the start: {int(dead.sum())} of {len(dead)}")
unchanged = torch.equal(start_net[0].weight[dead], relu_net[0].weight[dead])
print(f"their weights after training are unchanged: {unchanged}")
assert dead.sum() >= 1 and unchanged
# --8<-- [end:dead_units]

# --8<-- [start:normalised]
norm_relu, _ = steps_to_target(nn.ReLU, scale=1 / 16, lr=0.3)
norm_tanh, _ = steps_to_target(nn.Tanh, scale=1 / 16, lr=0.3)
print(f"pixels / 16: below 10% after {len(norm_relu) - 1} steps with ReLU, "
      f"{len(norm_tanh) - 1} with tanh")  # fmt: skip
assert len(norm_tanh) < len(norm_relu)  # no advantage left for ReLU here
# --8<-- [end:normalised]

# --8<-- [start:dropout]
X_small, X_rest, y_small, y_rest = train_test_split(
    X / 16, y, train_size=200, random_state=0, stratify=y
)


def train_small(dropout, seed, hidden=128, num_epochs=200, lr=0.3):
    """AlexNet's classifier, 128 neurons wide, on 200 images: train loss, test loss, accuracy."""
    torch.manual_seed(seed)
    net = classifier(64, hidden, 10, dropout=dropout)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    for _ in range(num_epochs):
        net.train()
        loss = nn.functional.cross_entropy(net(X_small), y_small)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    net.eval()
    with torch.no_grad():
        y_hat = net(X_rest)
    test_loss = nn.functional.cross_entropy(y_hat, y_rest).item()
    test_acc = (y_hat.argmax(dim=1) == y_rest).float().mean().item()
    return loss.item(), test_loss, test_acc


print(f"{len(X_small)} training images, {len(X_rest)} test images")
seeds = [0, 1, 2]
results = {}
for dropout in (0.0, 0.5):
    runs = torch.tensor([train_small(dropout, seed) for seed in seeds])
    for seed, (train_loss, test_loss, test_acc) in zip(seeds, runs.tolist(), strict=True):
        print(f"dropout {dropout}, seed {seed}: train loss {train_loss:.3f}, "
              f"test loss {test_loss:.3f}, test accuracy {test_acc:.3f}")  # fmt: skip
    results[dropout] = runs
plain, dropped = results[0.0].mean(dim=0), results[0.5].mean(dim=0)
print(f"mean over the seeds: test loss {plain[1]:.3f} without dropout, {dropped[1]:.3f} with; "
      f"test accuracy {plain[2]:.3f} without, {dropped[2]:.3f} with")  # fmt: skip
print(f"test loss with dropout / without: {dropped[1] / plain[1]:.2f}")
assert results[0.0][:, 0].max() < 0.0005  # without dropout: memorised, loss 0.000
assert dropped[1] < 0.85 * plain[1] and dropped[2] >= plain[2]
# --8<-- [end:dropout]

# --8<-- [start:exercise_1]
fast_relu, _ = steps_to_target(nn.ReLU, scale=1.0, lr=0.1)
fast_tanh, _ = steps_to_target(nn.Tanh, scale=1.0, lr=0.1)
print(f"raw pixels, lr 0.1: {len(fast_relu) - 1} steps with ReLU, {len(fast_tanh) - 1} with tanh")
assert len(fast_tanh) / len(fast_relu) < 1.2  # the gap is gone at this learning rate
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
z = torch.tensor([-3.0, 0.0, 1.0, 3.0, 6.0], requires_grad=True)
for name, f in [("tanh", torch.tanh), ("relu", torch.relu)]:
    (grad,) = torch.autograd.grad(f(z).sum(), z)
    print(f"{name} slope at z = -3, 0, 1, 3, 6:", [round(g, 4) for g in grad.tolist()])
assert torch.tanh(torch.tensor(6.0)) > 0.99 and 1 - torch.tanh(torch.tensor(6.0)) ** 2 < 1e-4
assert torch.autograd.grad(torch.relu(z).sum(), z)[0].tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
torch.manual_seed(0)
drop = nn.Dropout(0.5)
h = torch.ones(100_000)
kept = drop(h)  # training mode: about half the entries are 0, the rest are 2
print(f"kept {(kept > 0).float().mean():.3f} of the entries, mean {kept.mean():.3f}")
assert abs(kept.mean().item() - 1.0) < 0.01 and set(kept.unique().tolist()) == {0.0, 2.0}
# --8<-- [end:exercise_3]
