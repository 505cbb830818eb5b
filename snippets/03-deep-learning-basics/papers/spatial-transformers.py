# --8<-- [start:setup]
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

torch.manual_seed(0)
# --8<-- [end:setup]

# --8<-- [start:data]
digits = load_digits()
X = torch.tensor(digits.data / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)
X = F.interpolate(X, size=(12, 12), mode="bilinear")  # a little larger, to rotate smoothly
X = F.pad(X, (2, 2, 2, 2))  # on a 16 x 16 canvas, with room to move
y = torch.tensor(digits.target)


def rotate_and_shift(images, angles, shifts):
    """Apply one affine transformation per image: rotate by `angles` (radians), then shift."""
    cos, sin = torch.cos(angles), torch.sin(angles)
    theta = torch.stack(
        [
            torch.stack([cos, -sin, shifts[:, 0]], dim=1),
            torch.stack([sin, cos, shifts[:, 1]], dim=1),
        ],
        dim=1,
    )  # (N, 2, 3): where each output pixel samples the input, in coordinates from -1 to 1
    grid = F.affine_grid(theta, images.shape, align_corners=False)
    return F.grid_sample(images, grid, align_corners=False)


max_angle, max_shift = 60, 0.25  # degrees; a quarter of the half-width, 2 pixels
angles = (torch.rand(len(X)) * 2 - 1) * max_angle * math.pi / 180
shifts = (torch.rand(len(X), 2) * 2 - 1) * max_shift
X_distorted = rotate_and_shift(X, angles, shifts)
train_idx, test_idx = train_test_split(
    torch.arange(len(X)), test_size=0.33, random_state=0, stratify=y
)
X_train, y_train = X_distorted[train_idx], y[train_idx]
X_test, y_test = X_distorted[test_idx], y[test_idx]
print(f"{len(X)} digits: train {tuple(X_train.shape)}, test {tuple(X_test.shape)}")
print(f"every digit rotated by up to {max_angle} degrees and shifted by up to 2 pixels")
assert X.shape == (1797, 1, 16, 16) and len(X_train) == 1203 and len(X_test) == 594
# --8<-- [end:data]


# --8<-- [start:model]
class Net(nn.Module):
    def __init__(self, spatial_transformer):
        super().__init__()
        self.spatial_transformer = spatial_transformer
        self.classifier = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 8 x 16 x 16 -> 8 x 8 x 8
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # -> 16 x 4 x 4
            nn.Flatten(), nn.Linear(16 * 4 * 4, 10),
        )  # fmt: skip
        if spatial_transformer:
            self.localisation = nn.Sequential(  # looks at the image, outputs 6 numbers
                nn.MaxPool2d(2), nn.Flatten(),
                nn.Linear(8 * 8, 32), nn.ReLU(),
                nn.Linear(32, 6),
            )  # fmt: skip
            nn.init.zeros_(self.localisation[-1].weight)  # start as the identity transform
            with torch.no_grad():
                self.localisation[-1].bias.copy_(torch.tensor([1.0, 0, 0, 0, 1, 0]))

    def transform(self, x):
        theta = self.localisation(x).view(-1, 2, 3)
        grid = F.affine_grid(theta, x.shape, align_corners=False)
        return F.grid_sample(x, grid, align_corners=False), theta

    def forward(self, x):
        if self.spatial_transformer:
            x, _ = self.transform(x)
        return self.classifier(x)


n_params = {flag: sum(p.numel() for p in Net(flag).parameters()) for flag in (False, True)}
for flag in (False, True):
    print(f"spatial transformer {flag!s:<5}: {n_params[flag]:,} parameters")
assert n_params[False] == 3818 and n_params[True] == 6096
assert n_params[True] < 2 * n_params[False]  # fewer than twice the parameters
# --8<-- [end:model]


# --8<-- [start:train]
def train_and_test(net, num_epochs=8, batch_size=64, lr=0.01):
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(num_epochs):
        order = torch.randperm(len(X_train))
        for i in range(0, len(X_train), batch_size):
            batch = order[i : i + batch_size]
            loss = loss_fn(net(X_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        return (net(X_test).argmax(dim=1) == y_test).float().mean().item()


torch.manual_seed(0)
cnn = Net(spatial_transformer=False)
acc_cnn = train_and_test(cnn)
torch.manual_seed(0)
stn = Net(spatial_transformer=True)
acc_stn = train_and_test(stn)
print(
    f"test accuracy on distorted digits: CNN {acc_cnn:.3f}, CNN + spatial transformer {acc_stn:.3f}"
)
print(f"difference: {100 * (acc_stn - acc_cnn):.1f} points")
assert acc_stn > acc_cnn + 0.10
# --8<-- [end:train]

# --8<-- [start:undo]
with torch.no_grad():
    X_undone, theta = stn.transform(X_test)
learned_angle = torch.atan2(theta[:, 1, 0], theta[:, 0, 0])  # rotation part of each theta
applied_angle = angles[test_idx]
corr = torch.corrcoef(torch.stack([learned_angle, -applied_angle]))[0, 1].item()
print(f"correlation of the learned rotation with the applied one, reversed: {corr:.2f}")
assert corr > 0.8
# the output reads the undistorted digit at R (A q + t) + s: (R, s) distorted it, (A, t) is
# learned. The shift is undone when R t = -s.
cos, sin = applied_angle.cos(), applied_angle.sin()
R = torch.stack([torch.stack([cos, -sin], dim=1), torch.stack([sin, cos], dim=1)], dim=1)
R_t, applied_shift = (R @ theta[:, :, 2:])[..., 0], shifts[test_idx]
corr_shift = min(
    torch.corrcoef(torch.stack([R_t[:, k], -applied_shift[:, k]]))[0, 1].item() for k in (0, 1)
)
print(f"correlation of the learned shift with the applied one, reversed: {corr_shift:.2f} "
      "(the lower of x and y)")  # fmt: skip
assert corr_shift > 0.7
zoom = torch.linalg.det(theta[:, :, :2]).abs().rsqrt()  # > 1: each output reads a smaller area
print(f"zoom factor of the learned transformations: mean {zoom.mean():.2f}, "
      f"smallest {zoom.min():.2f}")  # fmt: skip
assert (zoom > 1).all()  # every test digit is enlarged
# --8<-- [end:undo]

# --8<-- [start:figure]
n_show = 8
fig, axes = plt.subplots(3, n_show, figsize=(8, 3.2))
rows = [("original", X[test_idx]), ("distorted input", X_test), ("transformed", X_undone)]
for r, (name, images) in enumerate(rows):
    for c in range(n_show):
        axes[r, c].imshow(images[c, 0], cmap="gray_r")
        axes[r, c].set_xticks([])
        axes[r, c].set_yticks([])
    axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center")
plt.show()
# --8<-- [end:figure]

# --8<-- [start:exercise_1]
X_clean, y_clean = X[test_idx], y[test_idx]  # the same test digits, not distorted
with torch.no_grad():
    clean_cnn = (cnn(X_clean).argmax(dim=1) == y_clean).float().mean().item()
    clean_stn = (stn(X_clean).argmax(dim=1) == y_clean).float().mean().item()
print(f"undistorted test digits: CNN {clean_cnn:.3f}, CNN + spatial transformer {clean_stn:.3f}")
assert clean_cnn > acc_cnn and clean_stn > acc_stn  # both do better on clean digits
assert clean_stn > clean_cnn + 0.10  # and the spatial transformer still wins, by 10 points
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
untrained = Net(spatial_transformer=True)
with torch.no_grad():
    X_same, theta_0 = untrained.transform(X_test)
print("theta of the untrained localisation net:", theta_0[0].flatten().tolist())
torch.testing.assert_close(X_same, X_test)
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
theta_shift = torch.tensor(
    [[[1.0, 0, -0.25], [0, 1.0, 0]]]
)  # sample 0.25 to the left of each pixel
grid = F.affine_grid(theta_shift, (1, 1, 16, 16), align_corners=False)
shifted = F.grid_sample(X[:1], grid, align_corners=False)
torch.testing.assert_close(shifted[..., 2:], X[:1, ..., :-2])  # the digit moved 2 pixels right
print("x-translation -0.25 moves the image 2 pixels to the right")
# --8<-- [end:exercise_3]
