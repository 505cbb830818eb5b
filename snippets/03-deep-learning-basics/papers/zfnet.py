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


def occlusion_map(image, label, patch=3, grey=grey):
    """The true class's probability with a grey patch over each position of the image."""
    size = image.shape[-1] - patch + 1
    covered = image.repeat(size * size, 1, 1, 1)  # one copy of the image per position
    for i in range(size):
        for j in range(size):
            covered[i * size + j, 0, i : i + patch, j : j + patch] = grey
    with torch.no_grad():
        probs = net(covered).softmax(dim=1)[:, label]
    return probs.reshape(size, size)


image, label = X_test[0], y_test[0].item()
with torch.no_grad():
    p_clean = net(image[None]).softmax(dim=1)[0, label].item()
heat = occlusion_map(image, label)
print(f"map {tuple(heat.shape)}")
print(f"digit {label}: p = {p_clean:.3f} uncovered, lowest {heat.min():.3f} with a patch")
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
def mean_drops(grey, patch=3):
    """Mean fall of p(true class) over the test set: patches on strokes, patches on background."""
    stroke_drops, background_drops = [], []
    for image, label in zip(X_test, y_test.tolist(), strict=True):
        with torch.no_grad():
            p_clean = net(image[None]).softmax(dim=1)[0, label]
        drop = p_clean - occlusion_map(image, label, patch, grey)
        ink = nn.functional.avg_pool2d(image[None], patch, stride=1)[0, 0]  # ink under each patch
        stroke_drops.append(drop[ink > 0.5])
        background_drops.append(drop[ink < 0.1])
    stroke_drops, background_drops = torch.cat(stroke_drops), torch.cat(background_drops)
    print(f"patch value {grey:.2f}: {len(stroke_drops)} patches on strokes, mean drop "
          f"{stroke_drops.mean():.3f}; {len(background_drops)} on background, "
          f"mean drop {background_drops.mean():.3f}")  # fmt: skip
    return stroke_drops.mean().item(), background_drops.mean().item()


stroke_drop, background_drop = mean_drops(grey)
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
small = occlusion_map(X_test[0], y_test[0].item(), patch=2)
row, col = divmod(small.argmin().item(), small.shape[1])
print(
    f"2 x 2 patches: map {tuple(small.shape)}, lowest p {small.min():.3f} at row {row}, col {col}"
)
assert small.shape == (7, 7) and small.min() < p_clean
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
bright_stroke_drop, bright_background_drop = mean_drops(grey=0.5)
assert (
    bright_background_drop > bright_stroke_drop
)  # a bright patch on the background is a new stroke
# --8<-- [end:exercise_3]
