# --8<-- [start:setup]
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

torch.manual_seed(0)
rng = np.random.default_rng(0)
# --8<-- [end:setup]

# --8<-- [start:data]
digits = load_digits()
X = digits.data / 16.0  # 1797 images of 8x8 pixels, flattened to 64 values in [0, 1]
y = digits.target  # the digit, 0 to 9
assert X.shape == (1797, 64)
X_rest, X_test, y_rest, y_test = train_test_split(
    X, y, test_size=0.2, random_state=0, stratify=y
)  # the test set: locked away until the very end
X_train, X_val, y_train, y_val = train_test_split(
    X_rest, y_rest, test_size=0.25, random_state=0, stratify=y_rest
)
print("train", X_train.shape, "validation", X_val.shape, "test", X_test.shape)
assert X_train.shape == (1077, 64) and X_val.shape == (360, 64) and X_test.shape == (360, 64)
# --8<-- [end:data]


# --8<-- [start:init]
def init_params(num_in=64, num_hidden=32, num_out=10):
    return {
        "W1": rng.normal(0, np.sqrt(1 / num_in), size=(num_hidden, num_in)),  # reads pixels
        "b1": np.zeros(num_hidden),
        "W2": rng.normal(0, np.sqrt(2 / num_hidden), size=(num_out, num_hidden)),  # reads ReLUs
        "b2": np.zeros(num_out),
    }


params = init_params()
params_start = {name: value.copy() for name, value in params.items()}  # kept for training
for name, value in params.items():
    print(f"{name}: shape {value.shape}")
print("parameters:", sum(v.size for v in params.values()))
assert sum(v.size for v in params.values()) == 32 * 64 + 32 + 10 * 32 + 10 == 2410

Z1 = X_train @ params["W1"].T
H = np.maximum(Z1, 0)
Z2 = H @ params["W2"].T
for name, A in [("pixels X", X_train), ("Z1", Z1), ("Z2 (scores)", Z2)]:
    print(f"mean square of {name:12s} {np.mean(A**2):.4f}")
print(f"the ReLU keeps {np.mean(H**2) / np.mean(Z1**2):.4f} of Z1's mean square")
other_draws = np.random.default_rng(1)  # 100 other draws of W1, to see the average
kept = []
for _ in range(100):
    Z1_other = X_train @ other_draws.normal(0, np.sqrt(1 / 64), size=(32, 64)).T
    kept.append(np.mean(np.maximum(Z1_other, 0) ** 2) / np.mean(Z1_other**2))
print(f"on average over 100 other draws of W1 it keeps {np.mean(kept):.4f}")
assert abs(np.mean(kept) - 0.5) < 0.05
assert 0.5 < np.mean(Z2**2) / np.mean(Z1**2) < 2  # the scale survives both layers
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


loss_start, cache = forward(params, X_train, y_train)
p_true = np.exp(cache[4][np.arange(len(y_train)), y_train])  # probability of the true digit
print(f"loss before training = {loss_start:.4f}, ln 10 = {np.log(10):.4f}")
print(f"probability given to the true digit: from {p_true.min():.3f} to {p_true.max():.3f}")
print(f"difference from ln 10: {abs(loss_start - np.log(10)):.4f}")
assert abs(loss_start - np.log(10)) < 0.01
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
def gradient_check(params, grads, X, y, num_entries=5, h=1e-6):
    """The largest relative error between grads and finite differences, per parameter."""
    worst = {}
    for name in params:
        worst[name] = 0.0
        for _ in range(num_entries):  # random entries of each parameter
            i = tuple(rng.integers(s) for s in params[name].shape)
            old = params[name][i]
            params[name][i] = old + h
            loss_plus, _ = forward(params, X, y)
            params[name][i] = old - h
            loss_minus, _ = forward(params, X, y)
            params[name][i] = old  # put it back
            numeric = (loss_plus - loss_minus) / (2 * h)
            error = abs(numeric - grads[name][i]) / max(abs(numeric) + abs(grads[name][i]), 1e-12)
            worst[name] = max(worst[name], error)
    return worst


for name, error in gradient_check(params, grads, X_small, y_small).items():
    print(f"{name}: largest relative error {error:.1e}")
    assert error < 1e-5  # measured up to a few 1e-7: a margin for other CPUs' rounding
# --8<-- [end:gradient_check]

# --8<-- [start:autograd_check]
tensors = {name: torch.tensor(value, requires_grad=True) for name, value in params.items()}
Z1 = F.linear(torch.tensor(X_small), tensors["W1"], tensors["b1"])
Z2 = F.linear(torch.relu(Z1), tensors["W2"], tensors["b2"])
loss_t = F.cross_entropy(Z2, torch.tensor(y_small))
loss_t.backward()
tol = {"rtol": 1e-7, "atol": 1e-7}  # assert_close's defaults for float64, written out
torch.testing.assert_close(loss_t, torch.tensor(loss), **tol)
for name in params:
    torch.testing.assert_close(torch.from_numpy(grads[name]), tensors[name].grad, **tol)
print(f"loss on these 20 images {loss:.6f}; all 4 gradients equal PyTorch autograd's")
# --8<-- [end:autograd_check]


# --8<-- [start:train]
def evaluate(params, X, y):
    loss, cache = forward(params, X, y)
    return loss, (cache[4].argmax(axis=1) == y).mean()  # loss and accuracy


def train(lr, num_epochs=20, batch_size=64):
    params = {name: value.copy() for name, value in params_start.items()}
    history = {"train": [evaluate(params, X_train, y_train)[0]]}
    history["val"] = [evaluate(params, X_val, y_val)[0]]
    for _ in range(num_epochs):
        order = rng.permutation(len(X_train))  # a new shuffle every epoch
        for batch in np.array_split(order, len(order) // batch_size):  # 16 batches of 67 or 68
            loss, cache = forward(params, X_train[batch], y_train[batch])
            grads = backward(params, cache)
            for name in params:
                params[name] -= lr * grads[name]  # gradient descent
        history["train"].append(evaluate(params, X_train, y_train)[0])
        history["val"].append(evaluate(params, X_val, y_val)[0])
    return params, history


batches = np.array_split(np.arange(len(X_train)), len(X_train) // 64)
print("batches:", len(batches), "of sizes", sorted({len(b) for b in batches}), end="; ")
print("range(0, 1077, 64) would leave a last batch of", len(X_train) % 64)
assert len(batches) == 16 and sorted({len(b) for b in batches}) == [67, 68]
assert len(X_train) % 64 == 53
runs = {}
for lr in [0.05, 0.5, 2.0]:
    runs[lr] = train(lr)
    val_loss, val_acc = evaluate(runs[lr][0], X_val, y_val)
    print(f"lr = {lr}: validation loss {val_loss:.4f}, validation accuracy {val_acc:.4f}")
lr = max(runs, key=lambda lr: evaluate(runs[lr][0], X_val, y_val)[1])
params, history = runs[lr]
print(f"chosen: lr = {lr}")
for epoch in [0, 1, 5, 20]:
    print(f"epoch {epoch}: train loss {history['train'][epoch]:.4f}", end=", ")
    print(f"validation loss {history['val'][epoch]:.4f}")
assert history["train"][0] == loss_start  # epoch 0: the same starting weights as above
assert lr == 0.5 and evaluate(runs[2.0][0], X_val, y_val)[1] < 0.2  # lr = 2.0 breaks down
assert history["val"][-1] > history["train"][-1]
# --8<-- [end:train]

# --8<-- [start:figure_loss]
fig, ax = plt.subplots(figsize=(5.5, 3))
epochs = np.arange(len(history["train"]))  # epoch 0: before training
ax.plot(epochs, history["train"], "o-", color="C0", markersize=3, label="train")
ax.plot(epochs, history["val"], "o-", color="C1", markersize=3, label="validation")
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
test_acc = (predict(params, X_test) == y_test).mean()  # the one look at the test set
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
    grads["b1"] = dZ1.sum(axis=0)
    return grads


fresh = init_params()
loss, cache = forward(fresh, X_small, y_small)
for name, backward_fn in [("correct", backward), ("buggy", backward_buggy)]:
    errors = gradient_check(fresh, backward_fn(fresh, cache), X_small, y_small, num_entries=20)
    print(f"{name:7s} backward:", ", ".join(f"{k} {v:.1e}" for k, v in errors.items()))
    if name == "buggy":
        assert errors["W1"] > 0.5 and errors["b1"] > 0.5 and max(errors["W2"], errors["b2"]) < 1e-5
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
fresh = init_params()
batch_size = 64
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
assert 2 * (len(X_train) // batch_size) == 32  # steps compared
print(f"after 2 epochs: NumPy loss {loss:.6f}, PyTorch loss {loss_t.item():.6f}, same weights")
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
y_pred = predict(params, X_val)  # validation digits: the test set stays unseen
wrong = np.flatnonzero(y_pred != y_val)
print(f"validation digits wrong: {len(wrong)} of {len(y_val)}")
assert len(wrong) > 6
fig, axes = plt.subplots(1, 6, figsize=(6, 1.6))
for ax, k in zip(axes, wrong[:6], strict=False):
    ax.imshow(X_val[k].reshape(8, 8), cmap="gray")
    ax.set_title(f"{y_val[k]} as {y_pred[k]}", fontsize=10)
    ax.axis("off")
plt.show()
# --8<-- [end:exercise_3]

# --8<-- [start:exercise_4]
X_ten, y_ten = X_train[:10], y_train[:10]  # ten images, ten labels
tiny = init_params()
for step in range(200):  # full batch: the same ten images every step
    loss, cache = forward(tiny, X_ten, y_ten)
    grads = backward(tiny, cache)
    for name in tiny:
        tiny[name] -= 0.5 * grads[name]
    if step in (0, 50, 199):
        print(f"step {step}: loss on the ten images {loss:.4f}")
loss_ten, _ = forward(tiny, X_ten, y_ten)
print(f"after 200 steps: loss {loss_ten:.4f}, right on {(predict(tiny, X_ten) == y_ten).sum()}/10")
assert loss_ten < 0.01 and (predict(tiny, X_ten) == y_ten).all()
# --8<-- [end:exercise_4]
