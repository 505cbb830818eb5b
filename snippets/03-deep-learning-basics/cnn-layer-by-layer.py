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
assert by_hand == from_torch and sum(by_hand.values()) == total == 1898

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
assert no_pad(X_train[:64]).shape == (64, 16, 1, 1)  # 8 -> 6 -> 3 -> 1
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
layer = nn.Conv2d(3, 32, kernel_size=5)
print("Conv2d(3, 32, 5) parameters:", sum(p.numel() for p in layer.parameters()))
assert sum(p.numel() for p in layer.parameters()) == 32 * 3 * 5 * 5 + 32 == 2432
# --8<-- [end:exercise_3]
