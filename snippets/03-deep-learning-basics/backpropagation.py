# --8<-- [start:setup]
import matplotlib.pyplot as plt
import numpy as np
import torch

torch.manual_seed(0)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# --8<-- [end:setup]

# --8<-- [start:graph_forward]
x, w, b, y = 2.0, 0.5, -0.5, 1.0  # one input, one weight, one bias, the target

a = w * x  # node 1: multiply
z = a + b  # node 2: add
y_hat = sigmoid(z)  # node 3: activation
L = (y_hat - y) ** 2  # node 4: squared error
print(f"a = {a:.4f}, z = {z:.4f}, y_hat = {y_hat:.4f}, L = {L:.4f}")
assert a == 1.0 and z == 0.5
# --8<-- [end:graph_forward]

# --8<-- [start:graph_backward]
dL_dy_hat = 2 * (y_hat - y)  # local derivative of node 4
dL_dz = dL_dy_hat * y_hat * (1 - y_hat)  # times the local derivative of node 3
dL_da = dL_dz * 1  # node 2 passes the gradient through to both of its inputs
dL_db = dL_dz * 1
dL_dw = dL_da * x  # node 1: d(w * x)/dw = x
dL_dx = dL_da * w  # and d(w * x)/dx = w
print(f"dL/dy_hat = {dL_dy_hat:.4f}, dL/dz = {dL_dz:.4f}")
print(f"backward pass: dL/dw = {dL_dw:.4f}, dL/db = {dL_db:.4f}, dL/dx = {dL_dx:.4f}")
assert np.isclose(dL_dw, -0.3549, atol=1e-4) and np.isclose(dL_db, -0.1774, atol=1e-4)
# --8<-- [end:graph_backward]

# --8<-- [start:graph_torch]
x_t, w_t, b_t = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (x, w, b))
L_t = (torch.sigmoid(w_t * x_t + b_t) - y) ** 2
L_t.backward()
print(f"autograd: dL/dw = {w_t.grad:.4f}, dL/db = {b_t.grad:.4f}, dL/dx = {x_t.grad:.4f}")
torch.testing.assert_close(w_t.grad, torch.tensor(dL_dw))
torch.testing.assert_close(b_t.grad, torch.tensor(dL_db))
torch.testing.assert_close(x_t.grad, torch.tensor(dL_dx))
# --8<-- [end:graph_torch]


# --8<-- [start:graph_numeric]
def loss_of_w(w):
    return (sigmoid(w * x + b) - y) ** 2


h = 1e-6
dL_dw_numeric = (loss_of_w(w + h) - loss_of_w(w - h)) / (2 * h)
print(f"finite difference: dL/dw = {dL_dw_numeric:.4f}")
print(f"difference from the chain rule: {abs(dL_dw_numeric - dL_dw):.1e}")
assert abs(dL_dw_numeric - dL_dw) < 1e-8
# --8<-- [end:graph_numeric]

# --8<-- [start:figure_graph]
nodes = {"w": (0, 1.6), "x": (0, -0.6), "×": (2.5, 0.5), "b": (3.6, -1.3)}
nodes.update({"+": (5, 0.5), "σ": (7, 0.5), "(ŷ − y)²": (9.8, 0.5)})
edges = [  # (from, to, value going forward, gradient coming back)
    ("w", "×", w, dL_dw),
    ("x", "×", x, dL_dx),
    ("×", "+", a, dL_da),
    ("b", "+", b, dL_db),
    ("+", "σ", z, dL_dz),
    ("σ", "(ŷ − y)²", y_hat, dL_dy_hat),
]
fig, ax = plt.subplots(figsize=(7, 3))
boxes = {}
for name, (px, py) in nodes.items():
    boxes[name] = ax.text(px, py, name, ha="center", va="center", fontsize=12, bbox={"fc": "none"})
for start, end, value, grad in edges:
    (x0, y0), (x1, y1) = nodes[start], nodes[end]
    arrow = {"arrowstyle": "->", "color": "C7", "patchA": boxes[start].get_bbox_patch()}
    arrow["patchB"] = boxes[end].get_bbox_patch()  # the arrow stops at the box
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=arrow)
    length = np.hypot(x1 - x0, y1 - y0)
    nx, ny = -(y1 - y0) / length * 0.35, (x1 - x0) / length * 0.35  # a step to the arrow's left
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    ax.text(mx + nx, my + ny, f"{value:.3f}", color="C0", ha="center", va="center")
    ax.text(mx - nx, my - ny, f"{grad:.3f}", color="C1", ha="center", va="center")
ax.text(9.8, 1.2, f"L = {L:.3f}", color="C0", ha="center")
ax.text(9.8, -0.3, "dL/dL = 1", color="C1", ha="center")
ax.text(6.2, -1.5, "blue: value, going forward\norange: gradient of L, coming back", fontsize=9)
ax.set(xlim=(-0.5, 10.8), ylim=(-1.8, 2.0))
ax.axis("off")
plt.show()
print(f"on the figure, rounded: y_hat = {y_hat:.3f}, L = {L:.3f}")
# --8<-- [end:figure_graph]

# --8<-- [start:exercise_1]
x, y = 3.0, -2.0
q = x * y  # node 1: x is used here ...
f = q + x  # node 2: ... and again here
df_dq = 1.0
df_dx = df_dq * y + 1.0  # the path through q, plus the direct path
df_dy = df_dq * x
x_t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
y_t = torch.tensor(y, dtype=torch.float64, requires_grad=True)
(x_t * y_t + x_t).backward()
print(f"by hand:  df/dx = {df_dx:.4f}, df/dy = {df_dy:.4f}")
print(f"autograd: df/dx = {x_t.grad.item():.4f}, df/dy = {y_t.grad.item():.4f}")
assert df_dx == x_t.grad.item() == -1.0 and df_dy == y_t.grad.item() == 3.0
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
x, w, b, y = 2.0, 0.5, -0.5, 1.0  # the same numbers as in the lesson
z = w * x + b
y_hat = np.tanh(z)
dL_dy_hat = 2 * (y_hat - y)
dL_dz = dL_dy_hat * (1 - y_hat**2)  # tanh's local derivative
dL_dw, dL_db = dL_dz * x, dL_dz


def loss_tanh(w, b):
    return (np.tanh(w * x + b) - y) ** 2


h = 1e-6
numeric_w = (loss_tanh(w + h, b) - loss_tanh(w - h, b)) / (2 * h)
numeric_b = (loss_tanh(w, b + h) - loss_tanh(w, b - h)) / (2 * h)
print(f"chain rule:         dL/dw = {dL_dw:.6f}, dL/db = {dL_db:.6f}")
print(f"finite differences: dL/dw = {numeric_w:.6f}, dL/db = {numeric_b:.6f}")
assert abs(dL_dw - numeric_w) < 1e-8 and abs(dL_db - numeric_b) < 1e-8
s = sigmoid(z)  # the lesson's sigmoid neuron, for comparison
assert abs(y_hat - y) > abs(s - y) and 1 - y_hat**2 > s * (1 - s)  # further from y, and steeper
assert abs(dL_dz) > abs(2 * (s - y) * s * (1 - s))  # so larger gradients than the sigmoid's
# --8<-- [end:exercise_2]
