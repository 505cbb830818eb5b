# --8<-- [start:setup]
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

torch.manual_seed(0)
rng = np.random.default_rng(0)


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
# --8<-- [end:graph_forward]

# --8<-- [start:graph_backward]
dL_dy_hat = 2 * (y_hat - y)  # local derivative of node 4
dL_dz = dL_dy_hat * y_hat * (1 - y_hat)  # times the local derivative of node 3
dL_da = dL_dz * 1  # node 2 passes the gradient through to both of its inputs
dL_db = dL_dz * 1
dL_dw = dL_da * x  # node 1: d(w * x)/dw = x
dL_dx = dL_da * w  # and d(w * x)/dx = w
print(f"dL/dy_hat = {dL_dy_hat:.4f}, dL/dz = {dL_dz:.4f}")
print(f"dL/dw = {dL_dw:.4f}, dL/db = {dL_db:.4f}, dL/dx = {dL_dx:.4f}")
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
# --8<-- [end:figure_graph]

# --8<-- [start:data]
digits = load_digits()
X = digits.data / 16.0  # 1797 images of 8x8 pixels, flattened to 64 values in [0, 1]
y = digits.target  # the digit, 0 to 9
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)
print("X_train", X_train.shape, "X_test", X_test.shape, "classes", np.unique(y))
assert X_train.shape == (1347, 64) and X_test.shape == (450, 64)
# --8<-- [end:data]


# --8<-- [start:init]
def init_params(num_in=64, num_hidden=32, num_out=10):
    return {
        "W1": rng.normal(0, np.sqrt(2 / num_in), size=(num_hidden, num_in)),
        "b1": np.zeros(num_hidden),
        "W2": rng.normal(0, np.sqrt(1 / num_hidden), size=(num_out, num_hidden)),
        "b2": np.zeros(num_out),
    }


params = init_params()
for name, value in params.items():
    print(f"{name}: shape {value.shape}")
print("parameters:", sum(v.size for v in params.values()))
assert sum(v.size for v in params.values()) == 32 * 64 + 32 + 10 * 32 + 10
# --8<-- [end:init]


# --8<-- [start:forward]
def forward(params, X, y):
    Z1 = X @ params["W1"].T + params["b1"]  # (n, 32)
    H = np.maximum(Z1, 0)  # ReLU
    Z2 = H @ params["W2"].T + params["b2"]  # (n, 10): the logits
    shifted = Z2 - Z2.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # log-softmax
    loss = -log_p[np.arange(len(y)), y].mean()  # cross-entropy
    cache = (X, y, Z1, H, log_p)  # what backward needs
    return loss, cache


loss, _ = forward(params, X_train, y_train)
print(f"loss before training = {loss:.4f} (guessing: log 10 = {np.log(10):.4f})")
assert np.isclose(loss, 2.3003, atol=1e-4)
# --8<-- [end:forward]


# --8<-- [start:backward]
def backward(params, cache):
    X, y, Z1, H, log_p = cache
    n = len(y)
    dZ2 = np.exp(log_p)  # softmax probabilities P ...
    dZ2[np.arange(n), y] -= 1  # ... minus 1 at the true class: P - Y
    dZ2 /= n  # the loss is a mean over n examples
    dW2 = dZ2.T @ H  # (10, n) @ (n, 32) -> (10, 32), like W2
    db2 = dZ2.sum(axis=0)
    dH = dZ2 @ params["W2"]  # (n, 10) @ (10, 32) -> (n, 32), like H
    dZ1 = dH * (Z1 > 0)  # ReLU lets the gradient through only where Z1 > 0
    dW1 = dZ1.T @ X  # (32, n) @ (n, 64) -> (32, 64), like W1
    db1 = dZ1.sum(axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


X_small, y_small = X_train[:20], y_train[:20]
loss, cache = forward(params, X_small, y_small)
grads = backward(params, cache)
assert all(grads[name].shape == params[name].shape for name in params)
print("every gradient has its parameter's shape")
# --8<-- [end:backward]

# --8<-- [start:gradient_check]
h = 1e-6
for name in params:
    worst = 0.0
    for _ in range(5):  # 5 random entries of each parameter
        i = tuple(rng.integers(s) for s in params[name].shape)
        old = params[name][i]
        params[name][i] = old + h
        loss_plus, _ = forward(params, X_small, y_small)
        params[name][i] = old - h
        loss_minus, _ = forward(params, X_small, y_small)
        params[name][i] = old  # put it back
        numeric = (loss_plus - loss_minus) / (2 * h)
        rel_error = abs(numeric - grads[name][i]) / max(abs(numeric) + abs(grads[name][i]), 1e-12)
        worst = max(worst, rel_error)
    print(f"{name}: largest relative error {worst:.1e}")
    assert worst < 1e-6
# --8<-- [end:gradient_check]

# --8<-- [start:autograd_check]
tensors = {name: torch.tensor(value, requires_grad=True) for name, value in params.items()}
Z1 = F.linear(torch.tensor(X_small), tensors["W1"], tensors["b1"])
Z2 = F.linear(torch.relu(Z1), tensors["W2"], tensors["b2"])
loss_t = F.cross_entropy(Z2, torch.tensor(y_small))
loss_t.backward()
torch.testing.assert_close(loss_t, torch.tensor(loss))
for name in params:
    torch.testing.assert_close(torch.from_numpy(grads[name]), tensors[name].grad)
print(f"loss {loss:.6f} and all 4 gradients equal PyTorch autograd's")
# --8<-- [end:autograd_check]

# --8<-- [start:train]
params = init_params()
lr, num_epochs, batch_size = 0.5, 20, 64
history = {
    "train": [forward(params, X_train, y_train)[0]],
    "test": [forward(params, X_test, y_test)[0]],
}
print(f"epoch  0: train loss {history['train'][-1]:.4f}, test loss {history['test'][-1]:.4f}")
for epoch in range(num_epochs):
    order = rng.permutation(len(X_train))  # a new shuffle every epoch
    for batch in np.array_split(order, len(order) // batch_size):  # 21 batches of 64 or 65
        loss, cache = forward(params, X_train[batch], y_train[batch])
        grads = backward(params, cache)
        for name in params:
            params[name] -= lr * grads[name]  # gradient descent
    history["train"].append(forward(params, X_train, y_train)[0])
    history["test"].append(forward(params, X_test, y_test)[0])
    if epoch == 0 or epoch % 5 == 4:
        print(f"epoch {epoch + 1:2d}: train loss {history['train'][-1]:.4f}", end=", ")
        print(f"test loss {history['test'][-1]:.4f}")
assert len(order) // batch_size == 21
assert np.isclose(history["train"][0], 2.5, atol=0.1) and history["train"][-1] < 0.1
assert history["train"][-1] < history["test"][-1] < 0.2
# --8<-- [end:train]

# --8<-- [start:figure_loss]
fig, ax = plt.subplots(figsize=(5.5, 3))
epochs = np.arange(num_epochs + 1)  # epoch 0: before training
ax.plot(epochs, history["train"], "o-", color="C0", markersize=3, label="train")
ax.plot(epochs, history["test"], "o-", color="C1", markersize=3, label="test")
ax.set(xlabel="epoch", ylabel="cross-entropy loss", xticks=[0, 5, 10, 15, 20])
ax.grid(alpha=0.3)
ax.legend()
fig.tight_layout()
plt.show()
# --8<-- [end:figure_loss]


# --8<-- [start:accuracy]
def predict(params, X):
    H = np.maximum(X @ params["W1"].T + params["b1"], 0)
    return (H @ params["W2"].T + params["b2"]).argmax(axis=1)  # the class with the top score


train_acc = (predict(params, X_train) == y_train).mean()
test_acc = (predict(params, X_test) == y_test).mean()
print(f"train accuracy {train_acc:.4f}, test accuracy {test_acc:.4f}")
assert test_acc > 0.95
# --8<-- [end:accuracy]


# --8<-- [start:exercise_1]
def backward_buggy(params, cache):
    X, y, Z1, H, log_p = cache
    grads = backward(params, cache)
    dZ2 = np.exp(log_p)
    dZ2[np.arange(len(y)), y] -= 1
    dZ1 = (dZ2 / len(y)) @ params["W2"]  # the bug: the ReLU mask is forgotten
    grads["W1"] = dZ1.T @ X
    return grads


fresh = init_params()
loss, cache = forward(fresh, X_small, y_small)
grads_buggy = backward_buggy(fresh, cache)
grads_right = backward(fresh, cache)
i = (0, 20)
old = fresh["W1"][i]
fresh["W1"][i] = old + h
loss_plus, _ = forward(fresh, X_small, y_small)
fresh["W1"][i] = old - h
loss_minus, _ = forward(fresh, X_small, y_small)
fresh["W1"][i] = old
numeric = (loss_plus - loss_minus) / (2 * h)
print(f"dL/dW1[0, 20]: finite difference {numeric:.6f}")
print(f"               correct backward  {grads_right['W1'][i]:.6f}")
print(f"               buggy backward    {grads_buggy['W1'][i]:.6f}")
assert abs(grads_right["W1"][i] - numeric) < 1e-8
assert np.sign(grads_buggy["W1"][i]) != np.sign(numeric)
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
fresh = init_params()
tensors = [torch.tensor(fresh[name], requires_grad=True) for name in ["W1", "b1", "W2", "b2"]]
for _ in range(2):  # 2 epochs, the same batches for both
    order = rng.permutation(len(X_train))
    for batch in np.array_split(order, len(order) // batch_size):
        loss, cache = forward(fresh, X_train[batch], y_train[batch])  # NumPy, by hand
        grads = backward(fresh, cache)
        for name in fresh:
            fresh[name] -= lr * grads[name]

        W1, b1, W2, b2 = tensors  # PyTorch: autograd does the backward pass
        logits = F.linear(torch.relu(F.linear(torch.tensor(X_train[batch]), W1, b1)), W2, b2)
        loss_t = F.cross_entropy(logits, torch.tensor(y_train[batch]))
        loss_t.backward()
        with torch.no_grad():
            for tensor in tensors:
                tensor -= lr * tensor.grad
                tensor.grad = None
        torch.testing.assert_close(loss_t, torch.tensor(loss))
for name, tensor in zip(["W1", "b1", "W2", "b2"], tensors, strict=True):
    torch.testing.assert_close(tensor.detach(), torch.from_numpy(fresh[name]))
assert 2 * (len(X_train) // batch_size) == 42  # steps compared
print(f"after 2 epochs: NumPy loss {loss:.6f}, PyTorch loss {loss_t.item():.6f}, same weights")
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
y_pred = predict(params, X_test)
wrong = np.flatnonzero(y_pred != y_test)
print(f"{len(wrong)} of {len(y_test)} test digits are wrong")
assert len(wrong) == round((1 - test_acc) * len(y_test))
fig, axes = plt.subplots(1, 6, figsize=(6, 1.6))
for ax, k in zip(axes, wrong[:6], strict=False):
    ax.imshow(X_test[k].reshape(8, 8), cmap="gray")
    ax.set_title(f"{y_test[k]} as {y_pred[k]}", fontsize=10)
    ax.axis("off")
plt.show()
# --8<-- [end:exercise_3]
