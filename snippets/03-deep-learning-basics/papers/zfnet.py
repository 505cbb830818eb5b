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
X = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)  # (1797, 1, 8, 8)
y = torch.tensor(digits.target)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)
print(f"train {tuple(X_train.shape)}, test {tuple(X_test.shape)}")
assert X_train.shape == (1347, 1, 8, 8) and len(X_test) == 450
# --8<-- [end:data]

# --8<-- [start:model]
net = nn.Sequential(
    nn.Conv2d(1, 8, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),  # 8 x 4 x 4
    nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 16 x 2 x 2
    nn.Flatten(), nn.Linear(64, 10),
)  # fmt: skip
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
num_epochs, batch_size = 15, 64
for _ in range(num_epochs):
    for batch in torch.randperm(len(X_train)).split(batch_size):
        loss = nn.functional.cross_entropy(net(X_train[batch]), y_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
net.eval()
with torch.no_grad():
    test_acc = (net(X_test).argmax(dim=1) == y_test).float().mean().item()
print(f"test accuracy {test_acc:.3f}")
assert test_acc > 0.95
# --8<-- [end:model]

# --8<-- [start:filters]
filters = net[0].weight.detach()  # (8, 1, 5, 5): the first layer's filters
print("first-layer filters:", tuple(filters.shape))
fig, axes = plt.subplots(1, 8, figsize=(8, 1.3))
for ax, w in zip(axes, filters[:, 0], strict=True):
    ax.imshow(w, cmap="RdBu_r", vmin=-w.abs().max(), vmax=w.abs().max())
    ax.set(xticks=[], yticks=[])
plt.show()
# --8<-- [end:filters]


# --8<-- [start:occlusion]
grey = X_train.mean().item()  # the patch's value: the mean pixel, as in the paper
print(f"grey patch value {grey:.2f}")


def occlusion_map(images, labels, patch=3, grey=grey):
    """For each image, the true class's probability with a grey patch at each position."""
    size = images.shape[-1] - patch + 1
    maps = torch.zeros(len(images), size, size)
    for i in range(size):
        for j in range(size):
            covered = images.clone()
            covered[:, 0, i : i + patch, j : j + patch] = grey  # the patch's top-left at (i, j)
            with torch.no_grad():
                probs = net(covered).softmax(dim=1)
            maps[:, i, j] = probs[torch.arange(len(images)), labels]
    return maps


image, label = X_test[0], y_test[0].item()
with torch.no_grad():
    p_clean = net(image[None]).softmax(dim=1)[0, label].item()
heat = occlusion_map(X_test[:1], y_test[:1])[0]
row, col = divmod(heat.argmin().item(), heat.shape[1])
print(f"map {tuple(heat.shape)}")
print(f"digit {label}: p = {p_clean:.3f} uncovered, lowest {heat.min():.3f} with a patch")
print(f"lowest with the patch's top-left corner at row {row}, col {col}")
assert label == 2 and heat.shape == (6, 6)
assert row < 3 and col >= 3  # the most harmful patch lies in the upper right
paper = nn.functional.avg_pool2d(image[None], 3, stride=1)[0, 0] < 0.1  # patches on empty paper
assert heat[paper].min() > 0.8
# --8<-- [end:occlusion]

# --8<-- [start:occlusion_figure]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7, 3), layout="constrained")
ax1.imshow(image[0], cmap="gray_r")
ax1.set(title=f"digit {label}", xticks=[], yticks=[])
shown = ax2.imshow(heat, vmin=0, vmax=1)
ax2.set(title=f"p({label}), patch's top-left corner here")
fig.colorbar(shown, ax=ax2)
plt.show()
# --8<-- [end:occlusion_figure]


# --8<-- [start:strokes_vs_background]
def mean_drops(grey, name, patch=3):
    """Mean fall of p(true class) over the test set: patches on strokes, patches on background."""
    with torch.no_grad():
        p_clean = net(X_test).softmax(dim=1)[torch.arange(len(X_test)), y_test]
    drop = p_clean[:, None, None] - occlusion_map(X_test, y_test, patch, grey)
    ink = nn.functional.avg_pool2d(X_test, patch, stride=1)[:, 0]  # mean pixel under each patch
    stroke_drops, background_drops = drop[ink > 0.5], drop[ink < 0.1]
    print(f"{name} patch ({grey:.2f}): {len(stroke_drops)} patches on strokes, mean drop "
          f"{stroke_drops.mean():.3f}; {len(background_drops)} on background, "
          f"mean drop {background_drops.mean():.3f}")  # fmt: skip
    return stroke_drops.mean().item(), background_drops.mean().item()


stroke_drop, background_drop = mean_drops(grey, "grey")
assert stroke_drop > 5 * background_drop
# --8<-- [end:strokes_vs_background]

# --8<-- [start:exercise_1]
alexnet_conv1 = nn.Conv2d(3, 96, kernel_size=11, stride=4, padding=2)
zfnet_conv1 = nn.Conv2d(3, 96, kernel_size=7, stride=2, padding=1)
photo = torch.zeros(1, 3, 224, 224)
with torch.no_grad():
    a, z = alexnet_conv1(photo).shape, zfnet_conv1(photo).shape
print(f"AlexNet's first layer: {tuple(a)}, ZFNet's: {tuple(z)}")
assert a[-1] == 55 and z[-1] == 110
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
small = occlusion_map(X_test[:1], y_test[:1], patch=2)[0]
row_2, col_2 = divmod(small.argmin().item(), small.shape[1])
print(f"2 x 2 patches: map {tuple(small.shape)}, lowest p {small.min():.3f} "
      f"at row {row_2}, col {col_2}")  # fmt: skip
print(f"3 x 3 patches: lowest p {heat.min():.3f} at row {row}, col {col}")
assert small.shape == (7, 7) and small.min() > heat.min()  # a smaller patch hurts less
assert row <= row_2 <= row + 1 and col <= col_2 <= col + 1  # inside the worst 3 x 3 patch
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
bright_stroke_drop, bright_background_drop = mean_drops(0.5, "bright")
assert (
    bright_background_drop > bright_stroke_drop
)  # a bright patch on the background is a new stroke
# --8<-- [end:exercise_3]
