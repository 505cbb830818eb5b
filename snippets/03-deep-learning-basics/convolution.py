# --8<-- [start:setup]
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.colors import to_rgba
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


# --8<-- [start:sliding_figure]
def draw_grid(ax, values, x0, y0, shade=None, labels=True):
    """Draw a grid of numbers with its top-left corner at (x0, y0); shade[i, j] fills a cell."""
    ink = plt.rcParams["axes.edgecolor"]
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            face = shade[i][j] if shade is not None else "none"
            ax.add_patch(plt.Rectangle((x0 + j, y0 - i - 1), 1, 1, fc=face, ec=ink, lw=0.5))
            if labels and not np.isnan(values[i, j]):
                ax.text(x0 + j + 0.5, y0 - i - 0.5, f"{values[i, j]:g}", ha="center", va="center")


x_small = rng.integers(0, 4, size=(1, 5, 5)).astype(float)  # one channel, 5 x 5
w_small = np.array([[[[1.0, 0, 1], [0, 1, 0], [1, 0, 1]]]])  # one 3 x 3 kernel
out_small = conv2d(x_small, w_small, np.zeros(1), stride=2, padding=1)
padded = np.pad(x_small[0], 1)  # a border of zeros: 7 x 7
print("padded input:", padded, "output, stride 2:", out_small[0], sep="\n")
assert out_small.shape == (1, output_size(5, 3, 2, 1), output_size(5, 3, 2, 1)) == (1, 3, 3)
assert out_small[0, 0, 0] == padded[:3, :3][w_small[0, 0] == 1].sum()  # the 5 cells under the 1s

fig, axes = plt.subplots(2, 2, figsize=(7.5, 5))
for step, ax in enumerate(axes.ravel()):
    i, j = divmod(step, 3)  # the output cell this frame fills: (0, 0), (0, 1), (0, 2), (1, 0)
    border = np.ones((7, 7), dtype=bool)
    border[1:-1, 1:-1] = False  # the zeros that padding added
    shade = [[to_rgba("C7", 0.3) if b else "none" for b in row] for row in border]
    draw_grid(ax, padded, 0, 7, shade)
    ax.add_patch(
        plt.Rectangle((2 * j, 7 - 2 * i - 3), 3, 3, fc=to_rgba("C1", 0.3), ec="C1", lw=2.5)
    )
    done = np.full((3, 3), np.nan)
    for k in range(step + 1):
        done[divmod(k, 3)] = out_small[0][divmod(k, 3)]
    out_shade = [
        [to_rgba("C1", 0.5) if (r, c) == (i, j) else "none" for c in range(3)] for r in range(3)
    ]
    draw_grid(ax, done, 8.5, 5, out_shade)
    ax.annotate("", xy=(8.4, 3.5), xytext=(7.1, 3.5), arrowprops={"arrowstyle": "->"})
    ax.set_title(f"step {step + 1}: output cell ({i}, {j}) = {out_small[0, i, j]:g}", fontsize=10)
    ax.set_xlim(-0.2, 11.7)
    ax.set_ylim(-0.2, 7.2)
    ax.set_aspect("equal")
    ax.axis("off")
plt.show()
# --8<-- [end:sliding_figure]


# --8<-- [start:channels_figure]
def draw_stack(ax, x0, y0, channels, size, color, label):
    """A stack of `channels` sheets of size x size cells, front sheet's corner at (x0, y0)."""
    ink = plt.rcParams["axes.edgecolor"]
    for c in reversed(range(channels)):  # back sheet first, so the front one is drawn on top
        dx = dy = 0.45 * c
        ax.add_patch(
            plt.Rectangle((x0 + dx, y0 + dy), size, size, fc=to_rgba(color, 0.3), ec=ink, lw=0.8)
        )
        for t in range(1, size):  # cell lines on the front sheet only
            if c == 0:
                ax.plot([x0 + t, x0 + t], [y0, y0 + size], color=ink, lw=0.3)
                ax.plot([x0, x0 + size], [y0 + t, y0 + t], color=ink, lw=0.3)
    ax.text(x0 + size / 2, y0 - 0.5, label, ha="center", va="top", fontsize=9)


x_rgb = rng.normal(size=(3, 5, 5))  # C_in = 3 channels of 5 x 5
w_two = rng.normal(size=(2, 3, 3, 3))  # C_out = 2 kernels, each 3 x 3 x 3
out_two = conv2d(x_rgb, w_two, np.zeros(2), padding=1)
one_map = conv2d(x_rgb, w_two[:1], np.zeros(1), padding=1)  # kernel 0 alone: one map
print("input", x_rgb.shape, "| kernels", w_two.shape, "| output", out_two.shape)
assert out_two.shape == (2, 5, 5) and one_map.shape == (1, 5, 5)
assert np.allclose(one_map[0], out_two[0])  # kernel o makes output channel o, and nothing else

fig, ax = plt.subplots(figsize=(7.5, 4.2))
draw_stack(ax, 0, 2.5, 3, 5, "C7", "input: 3 channels\n3 x 5 x 5")
for o, (y0, color) in enumerate([(7, "C0"), (0, "C1")]):
    draw_stack(ax, 8, y0, 3, 3, color, f"kernel {o}: 3 x 3 x 3")
    ax.annotate("", xy=(7.8, y0 + 1.5), xytext=(6.1, 5), arrowprops={"arrowstyle": "->"})
    ax.annotate("", xy=(15.3, y0 + 1.5), xytext=(12.3, y0 + 1.5), arrowprops={"arrowstyle": "->"})
    ax.text(13.8, y0 + 1.8, "sum over\n3 channels", fontsize=8, ha="center", va="bottom")
    draw_stack(ax, 15.5, y0 - 1, 1, 5, color, f"map {o}: 5 x 5")
ax.text(21.5, 5, "output:\n2 channels,\n2 x 5 x 5", ha="left", va="center", fontsize=9)
ax.set_xlim(-0.5, 25.5)
ax.set_ylim(-2.8, 12)
ax.set_aspect("equal")
ax.axis("off")
plt.show()
# --8<-- [end:channels_figure]


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
    torch.testing.assert_close(torch.tensor(mine), theirs, rtol=0, atol=1e-10)
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
# middle rows: dark-to-bright where the ring begins on the left gives a negative value,
# bright-to-dark where it ends on the right a positive one
assert np.all(maps[0, 2:6, 1] < 0) and np.all(maps[0, 2:6, 6] > 0)

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
assert (28 + 2 * 2 - 5) // 2 == 13 and n == 13 + 1 == 14 and shape == (1, 1, 14, 14)
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


patch_matrix_shape = (output_size(x.shape[1], w.shape[2]) ** 2, w[0].size)  # (patches, numbers)
print("patch matrix shape:", patch_matrix_shape)
assert patch_matrix_shape == (25, 27) and w.reshape(len(w), -1).T.shape == (27, 4)
np.testing.assert_allclose(conv2d_matmul(x, w, b), conv2d(x, w, b))
print("matrix-product convolution == loop convolution")
# --8<-- [end:exercise_3]


# --8<-- [start:exercise_4]
def conv2d_backward(x, w, dout, stride=1, padding=0):
    """Gradients of a loss w.r.t. x, w and b, given dout = d loss / d out of conv2d."""
    c_out, c_in, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    db = dout.sum(axis=(1, 2))  # each bias was added to every cell of its map
    for o in range(c_out):
        for i in range(dout.shape[1]):
            for j in range(dout.shape[2]):
                r, c = i * stride, j * stride
                # out[o, i, j] = sum(patch * w[o]) + b[o]: each factor gets the other times dout
                dw[o] += dout[o, i, j] * xp[:, r : r + kh, c : c + kw]
                dxp[:, r : r + kh, c : c + kw] += dout[o, i, j] * w[o]
    dx = dxp[:, padding : padding + x.shape[1], padding : padding + x.shape[2]]  # drop the border
    return dx, dw, db


for stride, padding in [(1, 0), (1, 1), (2, 0), (2, 1)]:
    dout = rng.normal(size=conv2d(x, w, b, stride, padding).shape)  # any upstream gradient
    dx, dw, db = conv2d_backward(x, w, dout, stride, padding)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out_t = F.conv2d(xt[None], wt, bt, stride=stride, padding=padding)[0]
    (out_t * torch.tensor(dout)).sum().backward()  # a loss whose d loss / d out is dout
    for mine, theirs in [(dx, xt.grad), (dw, wt.grad), (db, bt.grad)]:
        torch.testing.assert_close(torch.tensor(mine), theirs)
print("dx, dw, db by loops == autograd for all four settings; dx:", dx.shape, "dw:", dw.shape)

eps, (o, c, a, e) = 1e-6, (1, 2, 0, 2)  # one weight, nudged both ways
w_plus, w_minus = w.copy(), w.copy()
w_plus[o, c, a, e] += eps
w_minus[o, c, a, e] -= eps
numeric = np.sum(conv2d(x, w_plus, b, 2, 1) * dout) - np.sum(conv2d(x, w_minus, b, 2, 1) * dout)
numeric /= 2 * eps
print(f"finite difference {numeric:.6f} | loops {dw[o, c, a, e]:.6f}")
assert abs(numeric - dw[o, c, a, e]) < 1e-6 * max(1.0, abs(numeric))
# --8<-- [end:exercise_4]
