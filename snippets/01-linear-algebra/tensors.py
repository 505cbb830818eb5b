# --8<-- [start:setup]
import matplotlib.pyplot as plt
import numpy as np

rng = np.random.default_rng(0)
# --8<-- [end:setup]

# --8<-- [start:rank_and_shape]
scalar = np.array(5.0)
vector = np.array([3.0, 1.0])
matrix = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
cube = np.zeros((2, 3, 4))
for name, t in [("scalar", scalar), ("vector", vector), ("matrix", matrix), ("cube", cube)]:
    print(f"{name:6}  ndim={t.ndim}  shape={t.shape}  size={t.size}")
assert [t.ndim for t in (scalar, vector, matrix, cube)] == [0, 1, 2, 3]
assert cube.size == 2 * 3 * 4 == 24
# --8<-- [end:rank_and_shape]

# --8<-- [start:image_batch]
batch_size = 4
X = rng.random((batch_size, 3, 32, 32))  # N, C, H, W: 4 colour images of 32 x 32 pixels
print("X.shape       ", X.shape, " size", X.size)
print("X[0].shape    ", X[0].shape, "  one image")
print("X[0, 1].shape ", X[0, 1].shape, "     its green channel")
print(f"X[0, 1, 5, 7]  {X[0, 1, 5, 7]:.4f}  one pixel value")
assert X.shape == (4, 3, 32, 32) and X.size == 12288
# --8<-- [end:image_batch]

# --8<-- [start:reshape]
t = np.arange(12.0)
m = t.reshape(3, 4)
print(f"t = {t}\nm = t.reshape(3, 4) =\n{m}")
print("t.reshape(2, -1).shape =", t.reshape(2, -1).shape)
flat = X.reshape(batch_size, -1)  # one row of 3 * 32 * 32 numbers per image
print("X.reshape(4, -1).shape =", flat.shape)
assert flat.shape == (4, 3072) and np.array_equal(flat[1], X[1].ravel())
# --8<-- [end:reshape]

# --8<-- [start:view]
m[0, 0] = 100.0
print("after m[0, 0] = 100:  t[0] =", t[0])
print("t and m share memory:", np.shares_memory(t, m))
assert t[0] == 100.0 and np.shares_memory(t, m)
m[0, 0] = 0.0  # put it back
# --8<-- [end:view]

# --8<-- [start:slicing]
print(f"m[1]        = {m[1]}")
print(f"m[:, 2]     = {m[:, 2]}")
print(f"m[0:2, 1:3] =\n{m[0:2, 1:3]}")
print("X[:, 0].shape          ", X[:, 0].shape, "     red channel of every image")
print("X[:, :, :16, :16].shape", X[:, :, :16, :16].shape, " top-left corner of every image")
assert m[0:2, 1:3].shape == (2, 2) and X[:, :, :16, :16].shape == (4, 3, 16, 16)
# --8<-- [end:slicing]

# --8<-- [start:reductions]
print("m.sum()       =", m.sum())
print("m.sum(axis=0) =", m.sum(axis=0), " one sum per column, shape", m.sum(axis=0).shape)
print("m.sum(axis=1) =", m.sum(axis=1), "        one sum per row, shape", m.sum(axis=1).shape)
channel_means = X.mean(axis=(2, 3))
print("X.mean(axis=(2, 3)).shape =", channel_means.shape, " one mean per image and channel")
assert m.sum() == 66.0
assert np.array_equal(m.sum(axis=0), [12.0, 15.0, 18.0, 21.0])
assert np.array_equal(m.sum(axis=1), [6.0, 22.0, 38.0])
assert channel_means.shape == (4, 3)
# --8<-- [end:reductions]

# --8<-- [start:broadcasting]
col = np.array([[0.0], [10.0], [20.0]])  # shape (3, 1)
row = np.array([0.0, 1.0, 2.0, 3.0])  # shape (4,)
print(f"col + row =\n{col + row}\nshape {(col + row).shape}")
stretched = np.tile(col, (1, 4)) + np.tile(row, (3, 1))  # the copies, written out
assert np.array_equal(col + row, stretched)
assert (col + row).shape == (3, 4) and (col + row).max() == 23.0
print("m + row: shape", (m + row).shape, " row is added to every row of m")
assert np.array_equal((m + row)[2], m[2] + row)
# --8<-- [end:broadcasting]

# --8<-- [start:broadcast_figure]
fig, ax = plt.subplots(figsize=(6, 2.2))


def draw(values, x0, title, real_rows, real_cols):
    """Draw a grid of numbers; cells outside the real shape are broadcast copies (outlined, in
    lighter italics, still dark enough to read: text below a 4.5 contrast ratio fails axe)."""
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            real = i < real_rows and j < real_cols
            ax.add_patch(
                plt.Rectangle(
                    (x0 + j, -i), 1, 1, fill=real, alpha=0.25 if real else 1, ec="C0", fc="C0"
                )
            )
            ax.text(
                x0 + j + 0.5,
                -i + 0.5,
                f"{values[i, j]:g}",
                ha="center",
                va="center",
                alpha=1 if real else 0.7,
                fontstyle="normal" if real else "italic",
            )
    ax.text(x0 + values.shape[1] / 2, 1.3, title, ha="center")


draw(np.tile(col, (1, 4)), 0, "col: (3, 1)", 3, 1)
ax.text(4.75, -0.5, "+", fontsize=16, ha="center", va="center")
draw(np.tile(row, (3, 1)), 5.5, "row: (4,) as (1, 4)", 1, 4)
ax.text(10.25, -0.5, "=", fontsize=16, ha="center", va="center")
draw(col + row, 11, "result: (3, 4)", 3, 4)
ax.set(xlim=(-0.2, 15.2), ylim=(-2.2, 1.8), aspect="equal")
ax.axis("off")
plt.show()
# --8<-- [end:broadcast_figure]

# --8<-- [start:broadcast_error]
try:
    m + np.ones(3)  # shapes (3, 4) and (3,): 4 and 3 differ, and neither is 1
except ValueError as error:
    message = str(error)
print("ValueError:", message)
assert "could not be broadcast together with shapes (3,4) (3,)" in message
print("fixed with a (3, 1) column:", (m + np.ones(3)[:, None]).shape)
print("but (3,) + (3, 1) silently gives", (np.ones(3) + np.ones((3, 1))).shape)
assert (np.ones(3) + np.ones((3, 1))).shape == (3, 3)
# --8<-- [end:broadcast_error]

# --8<-- [start:exercise_1]
image_means = X.mean(axis=(1, 2, 3))
centred = X - X.mean(axis=(1, 2, 3), keepdims=True)  # keepdims: shape (4, 1, 1, 1)
print("image_means.shape", image_means.shape)
print(f"largest image mean after centring: {np.abs(centred.mean(axis=(1, 2, 3))).max():.4f}")
assert image_means.shape == (4,)
assert np.allclose(centred.mean(axis=(1, 2, 3)), 0.0)
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
shape = (5, 3, 4)  # (5, 1, 4) with (3, 1): line the shapes up from the right; a 1 stretches
both = False  # (2, 3) with (2,): the last axes, 3 and 2, differ and neither is 1
assert shape == np.broadcast_shapes((5, 1, 4), (3, 1))
assert not both
print("(5, 1, 4) with (3, 1):", np.broadcast_shapes((5, 1, 4), (3, 1)))
try:
    np.broadcast_shapes((2, 3), (2,))
except ValueError:
    print("(2, 3) with (2,): ValueError, they do not broadcast")
else:
    raise AssertionError("(2, 3) and (2,) broadcast after all")
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
X_hwc = X.transpose(0, 2, 3, 1)  # N, H, W, C: the order image files and matplotlib use
print("X_hwc.shape", X_hwc.shape)
assert X_hwc.shape == (4, 32, 32, 3)
assert X_hwc[2, 5, 7, 1] == X[2, 1, 5, 7]
# --8<-- [end:exercise_3]
