# --8<-- [start:setup]
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

torch.manual_seed(0)
rng = np.random.default_rng(0)
# --8<-- [end:setup]


# --8<-- [start:pool_by_hand]
def pool2d(x, size=2, stride=2, mode="max"):
    """x: (C, H, W). Summarise each size x size window by its max or its mean."""
    c, h, w = x.shape
    out_h, out_w = (h - size) // stride + 1, (w - size) // stride + 1
    reduce = np.max if mode == "max" else np.mean
    out = np.zeros((c, out_h, out_w))
    for ch in range(c):  # each channel on its own: pooling never mixes channels
        for i in range(out_h):
            for j in range(out_w):
                r, col = i * stride, j * stride
                out[ch, i, j] = reduce(x[ch, r : r + size, col : col + size])
    return out


x = np.array([[[1.0, 3, 2, 0], [4, 2, 1, 1], [0, 1, 5, 6], [2, 2, 7, 8]]])
print("x:", x[0], sep="\n")
print("max pool:", pool2d(x, mode="max")[0], sep="\n")
print("average pool:", pool2d(x, mode="avg")[0], sep="\n")
assert pool2d(x, mode="max")[0, 0, 0] == 4.0  # max of 1, 3, 4, 2
assert pool2d(x, mode="avg")[0, 0, 0] == 2.5  # (1 + 3 + 4 + 2) / 4
# --8<-- [end:pool_by_hand]

# --8<-- [start:compare_torch]
x = rng.normal(size=(3, 9, 9))
for size, stride in [(2, 2), (3, 3), (3, 2)]:
    t = torch.tensor(x)[None]  # add the batch axis: (1, C, H, W)
    mine_max = pool2d(x, size, stride, mode="max")
    mine_avg = pool2d(x, size, stride, mode="avg")
    torch.testing.assert_close(torch.tensor(mine_max), F.max_pool2d(t, size, stride)[0])
    torch.testing.assert_close(torch.tensor(mine_avg), F.avg_pool2d(t, size, stride)[0])
    print(f"window {size}, stride {stride}: {x.shape} -> {mine_max.shape}, equal to PyTorch")
# --8<-- [end:compare_torch]

# --8<-- [start:smaller_maps]
digits = load_digits()
images = digits.images / 16.0  # (1797, 8, 8), pixels in [0, 1]
pooled = pool2d(images, mode="max")  # the 1797 images stand in for the channel axis
print("8 x 8 images:", images.shape, "-> pooled:", pooled.shape)
print("values per image:", images[0].size, "->", pooled[0].size)
assert pooled.shape == (1797, 4, 4) and images[0].size == 4 * pooled[0].size
# --8<-- [end:smaller_maps]

# --8<-- [start:shift]
shifted = np.zeros_like(images)
shifted[:, :, 1:] = images[:, :, :-1]  # every digit moved one pixel to the right


def similarity(a, b):
    """Cosine similarity of each pair of maps (1 = same pattern), averaged over the digits."""
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    cos = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return cos.mean()


pooled_shifted = pool2d(shifted, mode="max")
pooled_twice = pool2d(pooled, mode="max")
pooled_twice_shifted = pool2d(pooled_shifted, mode="max")
sim_raw = similarity(images, shifted)
sim_pool = similarity(pooled, pooled_shifted)
sim_pool_twice = similarity(pooled_twice, pooled_twice_shifted)
print("similarity of each digit to its shifted copy")
print(f"  pixels, 8 x 8:                   {sim_raw:.2f}")
print(f"  after one 2 x 2 max pool, 4 x 4: {sim_pool:.2f}")
print(f"  after two max pools, 2 x 2:      {sim_pool_twice:.2f}")
assert sim_raw < 0.7 < 0.85 < sim_pool < 0.95 < sim_pool_twice
assert not np.array_equal(pooled, pooled_shifted)  # tolerance, not invariance
# --8<-- [end:shift]

# --8<-- [start:shift_figure]
fig, axes = plt.subplots(2, 3, figsize=(5, 3.6))
rows = [
    ("digit", [images[0], pooled[0], pooled_twice[0]]),
    ("shifted", [shifted[0], pooled_shifted[0], pooled_twice_shifted[0]]),
]
for row, (name, maps) in zip(axes, rows, strict=True):
    for ax, img in zip(row, maps, strict=True):
        ax.imshow(img, cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
    row[0].set_ylabel(name)
for ax, title in zip(axes[0], ["8 x 8 pixels", "max pool: 4 x 4", "again: 2 x 2"], strict=True):
    ax.set_title(title, fontsize=10)
plt.show()
# --8<-- [end:shift_figure]

# --8<-- [start:exercise_1]
n = (7 - 3) // 2 + 1
shape = F.max_pool2d(torch.zeros(1, 1, 7, 7), kernel_size=3, stride=2).shape
print("formula:", n, "| PyTorch:", tuple(shape))
assert n == 3 and shape == (1, 1, 3, 3)
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
t = torch.tensor([[[[1.0, 3, 2, 0], [4, 2, 1, 1], [0, 1, 5, 6], [2, 2, 7, 8]]]], requires_grad=True)
F.max_pool2d(t, 2).sum().backward()
print(t.grad[0, 0])
assert t.grad.sum() == 4 and t.grad[0, 0, 1, 0] == 1 and t.grad[0, 0, 3, 3] == 1
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
x = rng.normal(size=(3, 5, 5))
global_avg = x.mean(axis=(1, 2))  # one number per channel
theirs = F.adaptive_avg_pool2d(torch.tensor(x)[None], 1).flatten()
print("global average pool:", global_avg.shape)
torch.testing.assert_close(torch.tensor(global_avg), theirs)
# --8<-- [end:exercise_3]
