# --8<-- [start:setup]
import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

torch.manual_seed(0)
# --8<-- [end:setup]

# --8<-- [start:data]
digits = load_digits()
X = torch.tensor(digits.data, dtype=torch.float32)  # (1797, 64), raw pixels from 0 to 16
y = torch.tensor(digits.target)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)
print(f"images {digits.images.shape[1:]}, train {tuple(X_train.shape)}, test {tuple(X_test.shape)}")
print(f"pixels from {X.min():.0f} to {X.max():.0f}")
# --8<-- [end:data]


# --8<-- [start:saturation]
def make_net(activation, hidden=64):
    return nn.Sequential(
        nn.Linear(64, hidden), activation(),
        nn.Linear(hidden, hidden), activation(),
        nn.Linear(hidden, 10),
    )  # fmt: skip


num_weights = sum(p.numel() for p in make_net(nn.ReLU).parameters())
print(f"{num_weights} parameters")
assert num_weights == (64 * 64 + 64) * 2 + (64 * 10 + 10) == 8970


def saturated_fraction(scale):
    torch.manual_seed(0)
    z = make_net(nn.Tanh)[0](X_train * scale)  # the first layer's inputs to tanh
    return (torch.tanh(z).abs() > 0.99).float().mean().item()


raw_saturated, normalised_saturated = saturated_fraction(1.0), saturated_fraction(1 / 16)
print(f"tanh outputs beyond ±0.99 at the start: raw pixels {raw_saturated:.1%}, "
      f"pixels / 16 {normalised_saturated:.1%}")  # fmt: skip
assert raw_saturated > 0.2 and normalised_saturated < 0.01
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
    return errors


raw_relu = steps_to_target(nn.ReLU, scale=1.0, lr=0.03)
raw_tanh = steps_to_target(nn.Tanh, scale=1.0, lr=0.03)
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

# --8<-- [start:normalised]
norm_relu = steps_to_target(nn.ReLU, scale=1 / 16, lr=0.3)
norm_tanh = steps_to_target(nn.Tanh, scale=1 / 16, lr=0.3)
print(f"pixels / 16: below 10% after {len(norm_relu) - 1} steps with ReLU, "
      f"{len(norm_tanh) - 1} with tanh")  # fmt: skip
assert len(norm_tanh) < len(norm_relu)  # no advantage left for ReLU here
# --8<-- [end:normalised]

# --8<-- [start:dropout]
X_small, X_rest, y_small, y_rest = train_test_split(
    X / 16, y, train_size=200, random_state=0, stratify=y
)


def train_small(dropout, hidden=128, num_epochs=400, lr=0.3):
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Linear(64, hidden), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden, 10),
    )  # fmt: skip
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
    print(f"dropout {dropout}: train loss {loss.item():.3f}, "
          f"test loss {test_loss:.3f}, test accuracy {test_acc:.3f}")  # fmt: skip
    return test_loss, test_acc


print(f"{len(X_small)} training images, {len(X_rest)} test images")
plain_loss, plain_acc = train_small(dropout=0.0)
dropout_loss, dropout_acc = train_small(dropout=0.5)
print(f"test loss with dropout / without: {dropout_loss / plain_loss:.2f}")
assert dropout_loss < 0.7 * plain_loss and dropout_acc >= plain_acc
# --8<-- [end:dropout]

# --8<-- [start:exercise_1]
fast_relu = steps_to_target(nn.ReLU, scale=1.0, lr=0.1)
fast_tanh = steps_to_target(nn.Tanh, scale=1.0, lr=0.1)
print(f"raw pixels, lr 0.1: {len(fast_relu) - 1} steps with ReLU, {len(fast_tanh) - 1} with tanh")
assert len(fast_tanh) / len(fast_relu) < 1.2  # the gap is gone at this learning rate
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
z = torch.tensor([0.0, 1.0, 3.0, 6.0], requires_grad=True)
for name, f in [("tanh", torch.tanh), ("relu", torch.relu)]:
    (grad,) = torch.autograd.grad(f(z).sum(), z)
    print(f"{name} slope at z = 0, 1, 3, 6:", [round(g, 4) for g in grad.tolist()])
assert torch.tanh(torch.tensor(6.0)) > 0.99 and 1 - torch.tanh(torch.tensor(6.0)) ** 2 < 1e-4
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
torch.manual_seed(0)
drop = nn.Dropout(0.5)
h = torch.ones(100_000)
kept = drop(h)  # training mode: about half the entries are 0, the rest are 2
print(f"kept {(kept > 0).float().mean():.3f} of the entries, mean {kept.mean():.3f}")
assert abs(kept.mean().item() - 1.0) < 0.01 and set(kept.unique().tolist()) == {0.0, 2.0}
# --8<-- [end:exercise_3]
