# --8<-- [start:setup]
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

torch.manual_seed(0)
rng = np.random.default_rng(0)
# --8<-- [end:setup]

# --8<-- [start:data]
digits = load_digits()
X = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)  # (N, C=1, 8, 8)
y = torch.tensor(digits.target)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)
print("X_train", tuple(X_train.shape), X_train.dtype, "| X_test", tuple(X_test.shape))
assert X_train.shape == (1347, 1, 8, 8) and X_test.shape == (450, 1, 8, 8)
# --8<-- [end:data]

# --8<-- [start:net]
net = nn.Sequential(
    nn.Conv2d(1, 8, kernel_size=3, padding=1),  # 8 filters, 3 x 3, over 1 channel
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(8, 16, kernel_size=3, padding=1),  # 16 filters, 3 x 3, over 8 channels
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(16 * 2 * 2, 10),  # the dense head: one score per digit class
)
# --8<-- [end:net]

# --8<-- [start:shapes]
h = X_train[:64]  # a batch of 64 digits
print(f"{'input':<10} {tuple(h.shape)}")
shapes = []
for layer in net:
    h = layer(h)
    shapes.append(tuple(h.shape))
    print(f"{type(layer).__name__:<10} {tuple(h.shape)}")
assert shapes == [
    (64, 8, 8, 8), (64, 8, 8, 8), (64, 8, 4, 4),
    (64, 16, 4, 4), (64, 16, 4, 4), (64, 16, 2, 2),
    (64, 64), (64, 10),
]  # fmt: skip
# --8<-- [end:shapes]


# --8<-- [start:diagram]
def describe(layer):
    """A short label for a layer, read from the layer itself."""
    if isinstance(layer, nn.Conv2d):
        k = layer.kernel_size
        return f"Conv2d\n{layer.in_channels} -> {layer.out_channels}, {k[0]}x{k[1]}"
    if isinstance(layer, nn.Linear):
        return f"Linear\n{layer.in_features} -> {layer.out_features}"
    if isinstance(layer, nn.MaxPool2d):
        return f"MaxPool2d\n{layer.kernel_size}x{layer.kernel_size}"
    return type(layer).__name__


boxes = [("input", tuple(X_train.shape[1:]))]
boxes += [(describe(layer), shape[1:]) for layer, shape in zip(net, shapes, strict=True)]
assert len(boxes) == len(net) + 1 == 9 and boxes[-1][1] == (10,)

fig, ax = plt.subplots(figsize=(7.5, 2.4))
per_row = 5
for k, (label, shape) in enumerate(boxes):
    row, col = divmod(k, per_row)
    x0, y0 = col * 3, -row * 2.6
    ax.add_patch(plt.Rectangle((x0, y0), 2.2, 1.6, fc="none", ec="C0", lw=1.5))
    ax.text(x0 + 1.1, y0 + 1.05, label, ha="center", va="center", fontsize=8)
    ax.text(
        x0 + 1.1,
        y0 + 0.3,
        " x ".join(map(str, shape)),
        ha="center",
        va="center",
        fontsize=9,
        color="C1",
        fontweight="bold",
    )
    if k + 1 < len(boxes):
        if col + 1 < per_row:  # an arrow to the next box on the same row
            ax.annotate(
                "",
                xy=(x0 + 3, y0 + 0.8),
                xytext=(x0 + 2.2, y0 + 0.8),
                arrowprops={"arrowstyle": "->"},
            )
        else:  # from the end of the row back to the start of the next
            ax.annotate(
                "",
                xy=(1.1, y0 - 1.0),
                xytext=(x0 + 1.1, y0),
                arrowprops={"arrowstyle": "->", "connectionstyle": "angle,angleA=90,angleB=0"},
            )
ax.set_xlim(-0.2, per_row * 3)
ax.set_ylim(-2.8, 1.8)
ax.set_aspect("equal")
ax.axis("off")
plt.show()
print("boxes:", [shape for _, shape in boxes])
# --8<-- [end:diagram]

# --8<-- [start:param_count]
by_hand = {
    "conv 1": 8 * (1 * 3 * 3) + 8,  # 8 filters of 1 x 3 x 3 weights, plus 8 biases
    "conv 2": 16 * (8 * 3 * 3) + 16,  # each of 16 filters looks at all 8 channels
    "dense": 64 * 10 + 10,
}
from_torch = {
    name: sum(p.numel() for p in layer.parameters())
    for name, layer in zip(by_hand, [net[0], net[3], net[7]], strict=True)
}
for name in by_hand:
    print(f"{name:<7} by hand {by_hand[name]:>5}   PyTorch {from_torch[name]:>5}")
total = sum(p.numel() for p in net.parameters())
print(f"total   by hand {sum(by_hand.values()):>5}   PyTorch {total:>5}")
assert by_hand == from_torch == {"conv 1": 80, "conv 2": 1168, "dense": 650}
assert sum(by_hand.values()) == total == 1898

dense_instead = nn.Linear(64, 8 * 8 * 8)  # the same 512 outputs as conv 1, without sharing
dense_count = sum(p.numel() for p in dense_instead.parameters())
print(f"a dense layer with conv 1's 512 outputs: {dense_count} parameters")
assert dense_count == 64 * 512 + 512 == 33280
# --8<-- [end:param_count]

# --8<-- [start:train]
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
num_epochs, batch_size = 8, 64
for epoch in range(num_epochs):
    order = torch.randperm(len(X_train))
    total_loss = 0.0
    for start in range(0, len(X_train), batch_size):
        idx = order[start : start + batch_size]
        loss = loss_fn(net(X_train[idx]), y_train[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(idx)
    print(f"epoch {epoch + 1}: train loss {total_loss / len(X_train):.4f}")

with torch.no_grad():
    test_acc = (net(X_test).argmax(dim=1) == y_test).float().mean().item()
print(f"test accuracy {test_acc:.3f}")
assert test_acc > 0.95
# --8<-- [end:train]

# --8<-- [start:figure]
digit = X_test[:1]  # one test image, (1, 1, 8, 8)
with torch.no_grad():
    maps = net[1](net[0](digit))[0]  # first conv + ReLU: (8, 8, 8)
filters = net[0].weight.detach()[:, 0]  # (8, 3, 3)
print("filters", tuple(filters.shape), "| feature maps", tuple(maps.shape))

fig, axes = plt.subplots(2, 9, figsize=(7.5, 2))
axes[0, 0].text(0.5, 0.5, "learned\nfilters", ha="center", va="center", fontsize=9)
axes[0, 0].axis("off")
axes[1, 0].imshow(digit[0, 0], cmap="gray")
axes[1, 0].set_title(f"input: {y_test[0].item()}", fontsize=9)
for k in range(8):
    axes[0, k + 1].imshow(filters[k], cmap="RdBu_r")
    axes[0, k + 1].set_title(f"filter {k}", fontsize=9)
    axes[1, k + 1].imshow(maps[k], cmap="viridis")
    axes[1, k + 1].set_title(f"map {k}", fontsize=9)
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()
# --8<-- [end:figure]

# --8<-- [start:exercise_1]
dense = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
dense_count = sum(p.numel() for p in dense.parameters())
print("dense net parameters:", dense_count, "| CNN parameters:", total)
assert dense_count == 64 * 32 + 32 + 32 * 10 + 10 == 2410
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
no_pad = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3))
print("without padding:", tuple(no_pad(X_train[:64]).shape))
assert no_pad[0](X_train[:64]).shape == (64, 8, 6, 6)  # a 3 x 3 kernel takes 8 to 6
assert no_pad(X_train[:64]).shape == (64, 16, 1, 1)  # 8 -> 6 -> 3 -> 1
whole = nn.Sequential(*no_pad, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 2 * 2, 10))
try:
    whole(X_train[:64])
except RuntimeError as e:  # the second 2 x 2 pool does not fit a 1 x 1 map
    print("the whole network without padding fails at the second pool:", e)
    assert "too small" in str(e)
else:
    raise AssertionError("the second pool should have failed")
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
layer = nn.Conv2d(3, 32, kernel_size=5)
print("Conv2d(3, 32, 5) parameters:", sum(p.numel() for p in layer.parameters()))
assert sum(p.numel() for p in layer.parameters()) == 32 * 3 * 5 * 5 + 32 == 2432
# --8<-- [end:exercise_3]


# --8<-- [start:exercise_4]
def batch_norm_forward(x, gamma, beta, eps=1e-5):
    """Training mode. x: (N, C, H, W); statistics per channel over N, H and W."""
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)  # the biased variance, divided by m
    x_hat = (x - mean) / np.sqrt(var + eps)
    out = gamma[None, :, None, None] * x_hat + beta[None, :, None, None]
    return out, (x_hat, var, eps)


def batch_norm_backward(dout, gamma, cache):
    x_hat, var, eps = cache
    m = dout.shape[0] * dout.shape[2] * dout.shape[3]  # numbers per channel
    axes = (0, 2, 3)
    dgamma = (dout * x_hat).sum(axis=axes)
    dbeta = dout.sum(axis=axes)
    dx_hat = dout * gamma[None, :, None, None]
    # every x moves the mean and the variance too, hence the two sums
    dx = (
        m * dx_hat
        - dx_hat.sum(axis=axes, keepdims=True)
        - x_hat * (dx_hat * x_hat).sum(axis=axes, keepdims=True)
    ) / (m * np.sqrt(var + eps))
    return dx, dgamma, dbeta


x = rng.normal(loc=3.0, scale=2.0, size=(16, 8, 4, 4))  # a batch of feature maps, 8 channels
gamma, beta = rng.normal(size=8), rng.normal(size=8)
dout = rng.normal(size=x.shape)
out, cache = batch_norm_forward(x, gamma, beta)
dx, dgamma, dbeta = batch_norm_backward(dout, gamma, cache)

bn = nn.BatchNorm2d(8).double().train()  # train mode: normalise with the batch's statistics
with torch.no_grad():
    bn.weight.copy_(torch.tensor(gamma))
    bn.bias.copy_(torch.tensor(beta))
xt = torch.tensor(x, requires_grad=True)
out_t = bn(xt)
(out_t * torch.tensor(dout)).sum().backward()
for mine, theirs in [(out, out_t), (dx, xt.grad), (dgamma, bn.weight.grad), (dbeta, bn.bias.grad)]:
    torch.testing.assert_close(torch.tensor(mine), theirs)
print("forward, dx, dgamma, dbeta == torch.nn.BatchNorm2d in train mode")
print("x", x.shape, "| gamma, beta", gamma.shape, "| dx", dx.shape)

# the running variance PyTorch keeps for eval mode uses the unbiased variance (divided by m - 1)
m = 16 * 4 * 4
unbiased = x.var(axis=(0, 2, 3)) * m / (m - 1)
torch.testing.assert_close(bn.running_var, torch.tensor(0.9 * 1.0 + 0.1 * unbiased))
print("running_var == 0.9 * 1 + 0.1 * unbiased batch variance")
# --8<-- [end:exercise_4]
