# --8<-- [start:setup]
import matplotlib.pyplot as plt
import numpy as np

# --8<-- [end:setup]

# --8<-- [start:what_is_a_matrix]
M = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(f"M =\n{M}")
print("shape", M.shape, "(rows, columns)")
print("M[1, 2] =", M[1, 2], " row 1, column 2")
print("M[0]    =", M[0], " the first row")
print("M[:, 1] =", M[:, 1], " the second column")
assert M.shape == (2, 3) and M[1, 2] == 6.0
# --8<-- [end:what_is_a_matrix]

# --8<-- [start:transpose]
print(f"M.T =\n{M.T}")
print("shape", M.T.shape)
assert M.T.shape == (3, 2)
assert all(M.T[j, i] == M[i, j] for i in range(2) for j in range(3))
# --8<-- [end:transpose]

# --8<-- [start:matrix_vector]
x = np.array([1.0, 0.0, 2.0])
y_by_hand = np.zeros(2)
for i in range(2):  # one output entry per row of M
    for k in range(3):
        y_by_hand[i] += M[i, k] * x[k]
print("by hand:", y_by_hand)
print("M @ x  :", M @ x)
assert np.array_equal(M @ x, y_by_hand)
assert np.array_equal(M @ x, [7.0, 16.0])
# --8<-- [end:matrix_vector]

# --8<-- [start:matrix_matrix]
N = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]])
P_by_hand = np.zeros((2, 2))
for i in range(2):  # row of M
    for j in range(2):  # column of N
        for k in range(3):  # walk along both
            P_by_hand[i, j] += M[i, k] * N[k, j]
print("shapes:", M.shape, "@", N.shape, "->", (M @ N).shape)
print(f"M @ N =\n{M @ N}")
assert np.array_equal(M @ N, P_by_hand)
assert (N @ M).shape == (3, 3)  # the other order is a different matrix, even a different shape
# --8<-- [end:matrix_matrix]

# --8<-- [start:identity]
I = np.eye(2)  # noqa: E741 - I is the standard name for the identity
A = np.array([[2.0, 1.0], [1.0, 1.0]])
print(f"I =\n{I}")
print("A @ I equals A:", np.array_equal(A @ I, A))
assert np.array_equal(A @ I, A) and np.array_equal(I @ A, A)
# --8<-- [end:identity]

# --8<-- [start:inverse]
A_inv = np.linalg.inv(A)
print(f"A_inv =\n{A_inv}")
print(f"A @ A_inv =\n{A @ A_inv}")
assert np.allclose(A @ A_inv, I) and np.allclose(A_inv @ A, I)
assert np.allclose(A_inv, [[1.0, -1.0], [-1.0, 2.0]])
# --8<-- [end:inverse]

# --8<-- [start:singular]
S = np.array([[1.0, 1.0], [0.5, 0.5]])  # second row = half the first row
print(f"det(S) = {np.linalg.det(S):.1f}")
print("independent rows (the rank):", np.linalg.matrix_rank(S))
assert np.linalg.matrix_rank(S) == 1  # fewer than 2: S has no inverse
try:
    S_inv = np.linalg.inv(S)
except np.linalg.LinAlgError as error:  # NumPy from pip: a clear error
    assert str(error) == "Singular matrix"
else:  # NumPy in a browser (Pyodide): no error, only NaN ("not a number")
    assert np.isnan(S_inv).all()
# --8<-- [end:singular]

# --8<-- [start:transformation]
square = np.array([[0.0, 1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0, 0.0]])  # corners as columns
fig, axes = plt.subplots(1, 2, figsize=(6, 3), layout="constrained")
for ax, T, name in [(axes[0], A, "A"), (axes[1], S, "S")]:
    moved = T @ square  # every corner at once
    ax.fill(*square, color="C0", alpha=0.3, label="unit square")
    ax.fill(*moved, color="C1", alpha=0.4, label="after multiplying")
    ax.plot(*moved, "o-", color="C1", lw=2)
    for corner, offset in [((1, 0), (0.15, -0.55)), ((0, 1), (-1.3, 0.6))]:
        x_new, y_new = T @ np.array(corner)
        label = f"{corner} → ({x_new:g}, {y_new:g})"
        ax.annotate(label, (x_new, y_new), (x_new + offset[0], y_new + offset[1]), fontsize=9)
    ax.set(title=f"multiply by {name}", xlim=(-0.5, 4), ylim=(-0.5, 2.5), aspect="equal")
    ax.grid(alpha=0.3)
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
plt.show()
print(f"det(A) = {np.linalg.det(A):.1f}: the square's area is kept")
assert np.isclose(np.linalg.det(A), 1.0)
assert np.array_equal(A @ np.array([1.0, 0.0]), A[:, 0])  # the corner (1, 0) lands on column 0
assert np.array_equal(S @ np.array([1.0, 0.0]), S @ np.array([0.0, 1.0]))  # two corners, one spot
# --8<-- [end:transformation]

# --8<-- [start:exercise_1]
B = np.array([[1.0, 2.0], [3.0, 4.0]])
swap = np.array([[0.0, 1.0], [1.0, 0.0]])
print(f"B @ swap =\n{B @ swap}\nswap @ B =\n{swap @ B}")
assert np.array_equal(B @ swap, [[2.0, 1.0], [4.0, 3.0]])  # columns swapped
assert np.array_equal(swap @ B, [[3.0, 4.0], [1.0, 2.0]])  # rows swapped
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
R = np.array([[0.0, -1.0], [1.0, 0.0]])
print("R @ (1, 0) =", R @ np.array([1.0, 0.0]))
print(f"R @ R @ R @ R =\n{R @ R @ R @ R}")
assert np.array_equal(R @ np.array([1.0, 0.0]), [0.0, 1.0])
assert np.array_equal(R @ R @ R @ R, np.eye(2))
assert np.allclose(np.linalg.inv(R), R.T)
angle = np.radians(90)  # a rotation by an angle: [[cos, -sin], [sin, cos]]
assert np.allclose(R, [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
b = np.array([3.0, 2.0])
x_solved = np.linalg.solve(A, b)
print("x =", x_solved, " check A @ x =", A @ x_solved)
assert np.allclose(x_solved, A_inv @ b) and np.allclose(x_solved, [1.0, 1.0])
# --8<-- [end:exercise_3]
