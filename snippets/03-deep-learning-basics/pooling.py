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
    assert (size, stride) != (2, 2) or mine_max.shape == (3, 4, 4)  # the last row is dropped
# --8<-- [end:compare_torch]

# --8<-- [start:smaller_maps]
digits = load_digits()
images = digits.images / 16.0  # (1797, 8, 8), pixels in [0, 1]
pooled = pool2d(images, mode="max")  # the 1797 images stand in for the channel axis
print("8 x 8 images:", images.shape, "-> pooled:", pooled.shape)
print("values per image:", images[0].size, "->", pooled[0].size)
assert pooled.shape == (1797, 4, 4) and (images[0].size, pooled[0].size) == (64, 16)
# --8<-- [end:smaller_maps]

# --8<-- [start:shift]
shifted = np.zeros_like(images)
shifted[:, :, 1:] = images[:, :, :-1]  # every digit moved one pixel to the right
different = digits.target[:, None] != digits.target[None, :]  # pairs of two different digits


def compare(maps, maps_shifted):
    """Cosine similarity of each digit to its shifted copy, and of pairs of different digits."""
    a = maps.reshape(len(maps), -1)
    b = maps_shifted.reshape(len(maps), -1)
    a = a / np.linalg.norm(a, axis=1, keepdims=True)  # unit length: a dot product is a cosine
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    to_shifted = (a * b).sum(axis=1)  # each digit with its own shifted copy
    between = a @ a.T  # every digit with every other digit
    beaten = (
        between < to_shifted[:, None]
    ) & different  # different digits less alike than the copy
    return to_shifted.mean(), between[different].mean(), (beaten.sum(1) / different.sum(1)).mean()


def pool_levels(maps):
    """maps: (N, C, H, W) -> the maps, after one 2 x 2 max pool, after two."""
    once = F.max_pool2d(torch.tensor(maps), 2)  # PyTorch's pool: equal to our loops, and faster
    return [maps, once.numpy(), F.max_pool2d(once, 2).numpy()]


def print_table(name, maps, maps_shifted):
    rows = []
    for m, m_shifted in zip(pool_levels(maps), pool_levels(maps_shifted), strict=True):
        rows.append(compare(m, m_shifted))
        print(
            f"{name:<9} {m.shape[1:]}: shifted copy {rows[-1][0]:.2f}, different digits "
            f"{rows[-1][1]:.2f}, the copy is closer than {rows[-1][2]:.0%} of them"
        )
    return np.array(rows)


maps, maps_shifted = images[:, None], shifted[:, None]  # pixels: 1 channel
pixels = print_table("pixels", maps, maps_shifted)
assert np.all(pixels[:, 0] < pixels[:, 1]) and np.all(pixels[:, 2] < 0.5)
assert pixels[0, 0] < 0.7 < 0.85 < pixels[1, 0] < 0.95 < pixels[2, 0]
# --8<-- [end:shift]

# --8<-- [start:shift_edges]
vertical = torch.tensor([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=torch.float64)
kernels = torch.stack([vertical, -vertical, vertical.T, -vertical.T])[:, None]  # 4 edge kernels


def edge_maps(images):
    """(N, 8, 8) -> (N, 4, 8, 8): a convolution with 4 edge kernels, then ReLU."""
    return F.relu(F.conv2d(torch.tensor(images)[:, None], kernels, padding=1)).numpy()


maps, maps_shifted = edge_maps(images), edge_maps(shifted)
edges = print_table("edge maps", maps, maps_shifted)
assert np.all(edges[:, 0] > edges[:, 1])  # the copy is now closer than a different digit
assert edges[0, 2] < 0.6 < 0.75 < edges[1, 2] < edges[2, 2]  # and pooling makes it clearer
# --8<-- [end:shift_edges]

# --8<-- [start:shift_figure]
fig, ax = plt.subplots(figsize=(5.5, 3.2), layout="constrained")
for rows, name, marker in [(pixels, "pixels", "o"), (edges, "edge maps", "s")]:
    ax.plot(range(3), rows[:, 2], marker=marker, label=name)
ax.axhline(0.5, color="C7", linestyle="--", label="a random different digit")
ax.set(xticks=range(3), xticklabels=["8 x 8", "one pool: 4 x 4", "two pools: 2 x 2"], ylim=(0, 1))
ax.set(ylabel="share of different digits\nless alike than the copy")
ax.legend()
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


# --8<-- [start:exercise_4]
def max_pool_backward(x, dout, size=2, stride=2):
    """Gradient of a loss w.r.t. x, given dout = d loss / d out of a max pool on x (C, H, W)."""
    dx = np.zeros_like(x)
    for ch in range(x.shape[0]):
        for i in range(dout.shape[1]):
            for j in range(dout.shape[2]):
                r, col = i * stride, j * stride
                window = x[ch, r : r + size, col : col + size]
                a, b = np.unravel_index(np.argmax(window), window.shape)  # where the max was
                dx[ch, r + a, col + b] += dout[ch, i, j]  # += : overlapping windows add up
    return dx


x = rng.normal(size=(3, 9, 9))
for size, stride in [(2, 2), (3, 3), (3, 2)]:
    dout = rng.normal(size=pool2d(x, size, stride).shape)
    t = torch.tensor(x)[None].requires_grad_()
    (F.max_pool2d(t, size, stride) * torch.tensor(dout)).sum().backward()
    torch.testing.assert_close(torch.tensor(max_pool_backward(x, dout, size, stride)), t.grad[0])
    assert (size, stride) != (2, 2) or np.count_nonzero(t.grad) == dout.size == 48
    # overlapping windows: fewer inputs than windows, so some input is the max of two
    assert (size, stride) != (3, 2) or np.count_nonzero(t.grad) < dout.size == 48
    print(
        f"window {size}, stride {stride}: {np.count_nonzero(t.grad)} of {x.size} inputs get a"
        " gradient, equal to PyTorch"
    )
# --8<-- [end:exercise_4]
