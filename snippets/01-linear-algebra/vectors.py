# --8<-- [start:setup]
import math

import matplotlib.pyplot as plt
import numpy as np

# --8<-- [end:setup]

# --8<-- [start:what_is_a_vector]
u = np.array([3.0, 1.0])
v = np.array([1.0, 2.0])
print("u =", u, "shape", u.shape, "dtype", u.dtype)
print("v =", v, "first entry v[0] =", v[0])
assert u.shape == (2,) and u[1] == 1.0
image = np.zeros((28, 28))  # a 28 x 28 grey image, as in the classic MNIST digits
x = image.reshape(-1)  # flattened: one vector of pixel values
print("image", image.shape, "-> vector", x.shape)
assert x.shape == (784,)
# --8<-- [end:what_is_a_vector]

# --8<-- [start:addition]
by_hand = np.array([u[i] + v[i] for i in range(len(u))])
print("u + v =", u + v)
assert np.array_equal(u + v, by_hand)
assert np.array_equal(u + v, v + u)  # order does not matter
# --8<-- [end:addition]

# --8<-- [start:scaling]
print("2 * u =", 2 * u)
print("-1 * v =", -1 * v)
assert np.array_equal(2 * u, u + u)
assert np.array_equal(2 * u, [6.0, 2.0])
assert np.linalg.norm(0.5 * u) < np.linalg.norm(u) < np.linalg.norm(2 * u)  # shrink, stretch
# --8<-- [end:scaling]

# --8<-- [start:dot_product]
dot_by_hand = sum(u[i] * v[i] for i in range(len(u)))
print(f"u . v by hand = {dot_by_hand}")
print(f"np.dot(u, v)  = {np.dot(u, v)}")
print(f"u @ v         = {u @ v}")
assert dot_by_hand == np.dot(u, v) == u @ v == 5.0
# --8<-- [end:dot_product]

# --8<-- [start:norm]
norm_by_hand = math.sqrt(u @ u)
print(f"|u| by hand       = {norm_by_hand:.4f}")
print(f"np.linalg.norm(u) = {np.linalg.norm(u):.4f}")
assert math.isclose(norm_by_hand, np.linalg.norm(u))
assert math.isclose(norm_by_hand, math.sqrt(10))
# --8<-- [end:norm]

# --8<-- [start:angle]
cos_theta = (u @ v) / (np.linalg.norm(u) * np.linalg.norm(v))
theta = math.degrees(math.acos(cos_theta))
print(f"cos(theta) = {cos_theta:.4f}")
print(f"theta      = {theta:.1f} degrees")
assert math.isclose(theta, 45.0)
# --8<-- [end:angle]

# --8<-- [start:figure]
fig, ax = plt.subplots(figsize=(4.5, 4))
for vec, name, color in [(u, "u", "C0"), (v, "v", "C1"), (u + v, "u + v", "C2")]:
    ax.annotate("", xy=vec, xytext=(0, 0), arrowprops={"arrowstyle": "->", "color": color, "lw": 2})
    ax.text(*(vec + 0.12), name, color=color, fontsize=12)
ax.plot([u[0], (u + v)[0]], [u[1], (u + v)[1]], "--", color="C1", alpha=0.5)
ax.plot([v[0], (u + v)[0]], [v[1], (u + v)[1]], "--", color="C0", alpha=0.5)
ax.set(
    xlim=(-0.5, 4.8), ylim=(-0.5, 3.8), aspect="equal", xlabel="first entry", ylabel="second entry"
)
ax.grid(alpha=0.3)
plt.show()
# --8<-- [end:figure]

# --8<-- [start:exercise_unit]
u_hat = u / np.linalg.norm(u)
print("u_hat =", u_hat.round(4), f"length {np.linalg.norm(u_hat):.4f}")
assert math.isclose(np.linalg.norm(u_hat), 1.0)
assert np.allclose(u_hat * np.linalg.norm(u), u)  # same direction, only the length changed
# --8<-- [end:exercise_unit]

# --8<-- [start:exercise_perpendicular]
w = np.array([-1.0, 3.0])
print(f"u . w = {u @ w}")
assert u @ w == 0.0  # a zero dot product means a right angle
# --8<-- [end:exercise_perpendicular]

# --8<-- [start:exercise_distance]
distance = np.linalg.norm(u - v)
print(f"distance from u to v = {distance:.4f}")
assert math.isclose(distance, math.sqrt(5))
# --8<-- [end:exercise_distance]
