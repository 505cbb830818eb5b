# --8<-- [start:setup]
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

torch.manual_seed(0)
rng = np.random.default_rng(0)
# --8<-- [end:setup]


# --8<-- [start:one_channel]
def conv2d_single(x, w):
    """Slide kernel w over image x; at each position, multiply and add."""
    kh, kw = w.shape
    out_h, out_w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.sum(x[i : i + kh, j : j + kw] * w)
    return out


x = np.array([[1.0, 2, 0, 1], [0, 1, 3, 1], [2, 0, 1, 2], [1, 1, 0, 0]])
w = np.array([[1.0, 0.0], [0.0, -1.0]])  # top-left minus bottom-right
out = conv2d_single(x, w)
print("x:", x, "out:", out, sep="\n")
assert out.shape == (3, 3)
assert out[0, 0] == x[0, 0] * 1 + x[0, 1] * 0 + x[1, 0] * 0 + x[1, 1] * -1 == 0.0
assert out[0, 1] == x[0, 1] - x[1, 2] == -1.0
# --8<-- [end:one_channel]


# --8<-- [start:full_conv]
def conv2d(x, w, b, stride=1, padding=0):
    """x: (C_in, H, W), w: (C_out, C_in, kH, kW), b: (C_out,) -> (C_out, H_out, W_out)."""
    c_out, c_in, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))  # zeros around the border
    out_h = (x.shape[1] - kh) // stride + 1
    out_w = (x.shape[2] - kw) // stride + 1
    out = np.zeros((c_out, out_h, out_w))
    for o in range(c_out):
        for i in range(out_h):
            for j in range(out_w):
                r, c = i * stride, j * stride
                patch = x[:, r : r + kh, c : c + kw]  # every input channel at once
                out[o, i, j] = np.sum(patch * w[o]) + b[o]
    return out


# --8<-- [end:full_conv]


# --8<-- [start:output_size]
def output_size(n, k, stride=1, padding=0):
    return (n + 2 * padding - k) // stride + 1


x = rng.normal(size=(3, 7, 7))  # 3 input channels, like red, green and blue
w = rng.normal(size=(4, 3, 3, 3))  # 4 kernels, each 3 x 3 over all 3 channels
b = rng.normal(size=4)
for stride, padding in [(1, 0), (1, 1), (2, 0), (2, 1)]:
    out = conv2d(x, w, b, stride=stride, padding=padding)
    n_out = output_size(7, 3, stride, padding)
    print(f"stride={stride} padding={padding}: output shape {out.shape}, formula gives {n_out}")
    assert out.shape == (4, n_out, n_out)
# --8<-- [end:output_size]

# --8<-- [start:compare_torch]
for stride, padding in [(1, 0), (1, 1), (2, 0), (2, 1)]:
    mine = conv2d(x, w, b, stride=stride, padding=padding)
    theirs = F.conv2d(
        torch.tensor(x)[None],  # PyTorch wants a batch axis: (1, C_in, H, W)
        torch.tensor(w),
        torch.tensor(b),
        stride=stride,
        padding=padding,
    )[0]
    torch.testing.assert_close(torch.tensor(mine), theirs)
print("loops == torch.nn.functional.conv2d for all four settings")
# --8<-- [end:compare_torch]

# --8<-- [start:edges]
vertical = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])  # Sobel kernel
horizontal = vertical.T
kernels = np.stack([vertical, horizontal])[:, None]  # (2, 1, 3, 3): 2 kernels, 1 channel

step = np.zeros((1, 8, 8))
step[:, :, 4:] = 1.0  # dark left half, bright right half: one vertical edge
maps = conv2d(step, kernels, np.zeros(2), padding=1)
print("vertical kernel on the step image, row 3:", maps[0, 3])
print("horizontal kernel on the step image, row 3:", maps[1, 3])
assert np.all(maps[0, 1:-1, [3, 4]] == -4.0)  # fires on the two columns beside the edge
assert np.all(maps[0, 1:-1, :3] == 0) and np.all(maps[0, 1:-1, 5:7] == 0)
assert np.all(maps[0, 1:-1, 7] == 4.0)  # a false edge: the zero padding beyond the bright border
assert np.all(maps[1, 1:-1, :] == 0)  # no horizontal edge away from the top and bottom border
# --8<-- [end:edges]

# --8<-- [start:digit_figure]
digits = load_digits()
image = digits.images[0] / 16.0  # a zero, 8 x 8 pixels scaled to [0, 1]
maps = conv2d(image[None], kernels, np.zeros(2), padding=1)
print("digit label:", digits.target[0], "| feature maps:", maps.shape)

fig, axes = plt.subplots(1, 3, figsize=(6, 2.4))
panels = [
    (image, "digit 0", "gray"),
    (maps[0], "vertical edges", "RdBu_r"),
    (maps[1], "horizontal edges", "RdBu_r"),
]
for ax, (img, title, cmap) in zip(axes, panels, strict=True):
    limit = None if cmap == "gray" else np.abs(maps).max()
    ax.imshow(img, cmap=cmap, vmin=None if limit is None else -limit, vmax=limit)
    ax.set_title(title, fontsize=10)
    ax.axis("off")
plt.show()
# --8<-- [end:digit_figure]

# --8<-- [start:exercise_1]
n = output_size(28, 5, stride=2, padding=2)
shape = F.conv2d(torch.zeros(1, 1, 28, 28), torch.zeros(1, 1, 5, 5), stride=2, padding=2).shape
print("formula:", n, "| PyTorch:", tuple(shape))
assert n == 14 and shape == (1, 1, 14, 14)
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
identity = np.zeros((1, 1, 3, 3))
identity[0, 0, 1, 1] = 1.0  # one 1 in the centre
same = conv2d(image[None], identity, np.zeros(1), padding=1)
assert np.array_equal(same[0], image)
print("identity kernel with padding 1 returns the image unchanged:", same.shape)
# --8<-- [end:exercise_2]


# --8<-- [start:exercise_3]
def conv2d_matmul(x, w, b):
    """Stride 1, no padding: gather every patch as a row, then one matrix product."""
    c_out, c_in, kh, kw = w.shape
    out_h, out_w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    patches = np.array(
        [x[:, i : i + kh, j : j + kw].ravel() for i in range(out_h) for j in range(out_w)]
    )  # (out_h * out_w, c_in * kh * kw)
    out = patches @ w.reshape(c_out, -1).T + b  # (out_h * out_w, c_out)
    return out.T.reshape(c_out, out_h, out_w)


print("patch matrix shape:", (output_size(7, 3) ** 2, 3 * 3 * 3))
np.testing.assert_allclose(conv2d_matmul(x, w, b), conv2d(x, w, b))
print("matrix-product convolution == loop convolution")
# --8<-- [end:exercise_3]
