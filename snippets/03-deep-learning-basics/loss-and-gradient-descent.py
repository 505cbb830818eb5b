# --8<-- [start:setup]
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
rng = np.random.default_rng(0)
# --8<-- [end:setup]

# --8<-- [start:mse]
y = np.array([3.0, -0.5, 2.0, 7.0])  # the true values
y_hat = np.array([2.5, 0.0, 2.0, 8.0])  # the model's predictions

mse = np.mean((y_hat - y) ** 2)
loss_fn = torch.nn.MSELoss()
mse_torch = loss_fn(torch.tensor(y_hat), torch.tensor(y))
print("errors       :", y_hat - y)
print("squared      :", (y_hat - y) ** 2)
print(f"MSE by hand  = {mse:.4f}")
print(f"MSE, PyTorch = {mse_torch.item():.4f}")
torch.testing.assert_close(torch.tensor(mse), mse_torch)
assert np.array_equal((y_hat - y) ** 2, [0.25, 0.25, 0.0, 1.0]) and mse == 0.375
# --8<-- [end:mse]

# --8<-- [start:cross_entropy_one]
p = np.array([0.7, 0.2, 0.1])  # the model's probabilities for 3 classes
print(f"true class 0: loss = -log(0.7) = {-math.log(p[0]):.4f}")
print(f"true class 2: loss = -log(0.1) = {-math.log(p[2]):.4f}")
assert -math.log(p[2]) > -math.log(p[0])  # less probability on the truth, bigger loss
assert round(-math.log(p[0]), 4) == 0.3567 and round(-math.log(p[2]), 4) == 2.3026
# --8<-- [end:cross_entropy_one]

# --8<-- [start:figure_cross_entropy]
ps = np.linspace(0.01, 1, 100)
print(f"loss at p = {ps[0]}: {-np.log(ps[0]):.2f}")
fig, ax = plt.subplots(figsize=(5, 2.8))
ax.plot(ps, -np.log(ps), color="C0")
for p_true in [0.1, 0.7]:
    ax.plot(p_true, -np.log(p_true), "o", color="C1")
    ax.annotate(f"p = {p_true}: loss {-np.log(p_true):.2f}", (p_true + 0.03, -np.log(p_true) + 0.2))
ax.set(xlabel="probability given to the true class", ylabel="loss = -log p")
ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()
# --8<-- [end:figure_cross_entropy]

# --8<-- [start:cross_entropy_batch]
logits = np.array(
    [
        [2.0, 1.0, 0.1, -1.0],
        [0.5, 2.5, 0.3, 0.0],
        [-1.0, 0.0, 1.0, 3.0],
    ]
)  # 3 examples, 4 classes: raw scores, not probabilities
y = np.array([0, 1, 1])  # the true class of each example


def log_softmax(s):
    s = s - s.max(axis=1, keepdims=True)  # for stability, as in softmax
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


log_p = log_softmax(logits)
loss = -log_p[np.arange(len(y)), y].mean()  # pick log p of the true class in each row

loss_fn = torch.nn.CrossEntropyLoss()
loss_torch = loss_fn(torch.tensor(logits), torch.tensor(y))
print("p of the true class:", np.exp(log_p[np.arange(len(y)), y]).round(4))
print(f"cross-entropy by hand  = {loss:.4f}")
print(f"cross-entropy, PyTorch = {loss_torch.item():.4f}")
torch.testing.assert_close(torch.tensor(loss), loss_torch)
assert np.isclose(loss, 1.3061, atol=1e-4)
assert round(float(np.exp(log_p[2, 1])), 4) == 0.0414
# --8<-- [end:cross_entropy_batch]


# --8<-- [start:bowl]
def loss_bowl(w):
    return w[0] ** 2 + 5 * w[1] ** 2


def grad_bowl(w):
    return np.array([2 * w[0], 10 * w[1]])


w0 = np.array([-4.0, 1.5])
w_t = torch.tensor(w0, requires_grad=True)
loss_bowl(w_t).backward()
print(f"L(w0) = {loss_bowl(w0):.4f}")
print("gradient by hand:", grad_bowl(w0), " autograd:", w_t.grad.numpy())
torch.testing.assert_close(torch.from_numpy(grad_bowl(w0)), w_t.grad)
assert loss_bowl(w0) == 27.25 and np.array_equal(grad_bowl(w0), [-8.0, 15.0])
# --8<-- [end:bowl]


# --8<-- [start:gradient_descent]
def gradient_descent(w0, lr, num_steps):
    path = [w0]
    w = w0
    for _ in range(num_steps):
        w = w - lr * grad_bowl(w)  # one step downhill
        path.append(w)
    return np.array(path)


lr = 0.15
path = gradient_descent(w0, lr, num_steps=25)
for step in [0, 1, 2, 3, 10]:
    w = path[step]
    print(f"step {step:2d}: w = ({w[0]:7.4f}, {w[1]:7.4f})  L = {loss_bowl(w):.4f}")
print(f"step 25: L = {loss_bowl(path[-1]):.2g}")
assert np.isclose(loss_bowl(path[-1]), 2.9e-7, rtol=0.05)
# --8<-- [end:gradient_descent]

# --8<-- [start:figure_path]
w1_grid, w2_grid = np.meshgrid(np.linspace(-4.5, 4.5, 60), np.linspace(-2, 2, 60))
fig, ax = plt.subplots(figsize=(6, 3))
ax.contour(w1_grid, w2_grid, w1_grid**2 + 5 * w2_grid**2, levels=[0.5, 2, 5, 10, 17, 25])
ax.plot(path[:, 0], path[:, 1], "o-", color="C1", markersize=3, label=f"lr = {lr}")
ax.plot(0, 0, "*", color="C3", markersize=10, label="minimum")
ax.set(xlabel="w1", ylabel="w2", aspect="equal")
ax.legend(loc="upper right")
fig.tight_layout()
plt.show()
# --8<-- [end:figure_path]

# --8<-- [start:gd_torch]
w = torch.tensor(w0, requires_grad=True)
for _ in range(25):
    loss = loss_bowl(w)
    loss.backward()  # autograd fills w.grad
    with torch.no_grad():
        w -= lr * w.grad  # the same step as above
    w.grad.zero_()  # PyTorch adds gradients up: reset before the next step
print(f"PyTorch loop, step 25: L = {loss_bowl(w).item():.2g}")
torch.testing.assert_close(w.detach(), torch.from_numpy(path[-1]))
# --8<-- [end:gd_torch]

# --8<-- [start:learning_rates]
lrs = {"too small": 0.01, "about right": 0.15, "too large": 0.21}
losses = {}
for name, lr in lrs.items():
    path = gradient_descent(w0, lr, num_steps=25)
    losses[name] = [loss_bowl(w) for w in path]
    print(f"lr = {lr:4.2f} ({name:11s}): L after 25 steps = {losses[name][-1]:.4g}")
assert np.isclose(losses["too small"][-1], 5.885, atol=1e-3)  # still far from the bottom
assert losses["about right"][-1] < 1e-6
assert np.isclose(losses["too large"][-1], 1321, atol=1)  # diverged: it started at 27.25
# --8<-- [end:learning_rates]

# --8<-- [start:figure_learning_rates]
fig, ax = plt.subplots(figsize=(5.5, 3))
for i, (name, curve) in enumerate(losses.items()):
    ax.plot(curve, color=f"C{i}", label=f"lr = {lrs[name]} ({name})")
ax.set(xlabel="step", ylabel="loss L(w)", yscale="log")
ax.grid(alpha=0.3)
ax.legend()
fig.tight_layout()
plt.show()
# --8<-- [end:figure_learning_rates]

# --8<-- [start:why_diverge]
for lr in lrs.values():
    factor = 1 - lr * 10  # one step: w2 <- w2 - lr * 10 * w2
    print(f"lr = {lr:4.2f}: each step multiplies w2 by {factor:5.2f}")
    assert np.isclose(gradient_descent(w0, lr, num_steps=1)[1, 1], factor * w0[1])
# --8<-- [end:why_diverge]

# --8<-- [start:exercise_1]
X = rng.uniform(-1, 1, size=50)
y = 2 * X + 1 + 0.1 * rng.normal(size=50)
a, b = 0.0, 0.0  # the line y_hat = a * x + b
lr = 0.5
for _ in range(200):
    y_hat = a * X + b
    grad_a = np.mean(2 * (y_hat - y) * X)  # d MSE / d a
    grad_b = np.mean(2 * (y_hat - y))  # d MSE / d b
    a, b = a - lr * grad_a, b - lr * grad_b
a_best, b_best = np.polyfit(X, y, deg=1)  # the exact least-squares line
print(f"gradient descent: a = {a:.4f}, b = {b:.4f}")
print(f"np.polyfit:       a = {a_best:.4f}, b = {b_best:.4f}")
assert np.isclose(a, a_best, atol=1e-4) and np.isclose(b, b_best, atol=1e-4)
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
for lr in [0.19, 0.2]:
    path = gradient_descent(w0, lr, num_steps=50)
    print(f"lr = {lr}: w2 over the last 3 steps = {path[-3:, 1].round(4)}")
assert abs(gradient_descent(w0, 0.19, num_steps=50)[-1, 1]) < 0.01
assert np.allclose(np.abs(gradient_descent(w0, 0.2, num_steps=50)[:, 1]), 1.5)  # bounces forever
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
logits = torch.zeros(5, 10)  # 5 examples, 10 classes, every score equal
y = torch.tensor([3, 0, 7, 7, 1])
loss = F.cross_entropy(logits, y)
print(f"loss = {loss.item():.4f}, log(10) = {math.log(10):.4f}")
torch.testing.assert_close(loss, torch.tensor(math.log(10)))
# --8<-- [end:exercise_3]


# --8<-- [start:exercise_4]
def momentum_step(w, g, state, lr, beta=0.9):
    state["v"] = beta * state.get("v", 0.0) + g  # a running sum of past gradients
    return w - lr * state["v"]


def adam_step(w, g, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    state["t"] = t = state.get("t", 0) + 1
    state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g  # average gradient
    state["s"] = beta2 * state.get("s", 0.0) + (1 - beta2) * g**2  # average squared gradient
    m_hat = state["m"] / (1 - beta1**t)  # corrects the start at 0
    s_hat = state["s"] / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(s_hat) + eps)  # each weight gets its own step size


def plain_step(w, g, state, lr):
    return w - lr * g


def steps_to_reach(step, lr, loss, grad, target=1e-6, max_steps=1000):
    w, state = w0, {}
    for t in range(1, max_steps + 1):
        w = step(w, grad(w), state, lr)
        if loss(w) < target:
            return t
        if loss(w) > 1e6:  # diverged
            return None
    return None


def loss_narrow(w):
    return w[0] ** 2 + 100 * w[1] ** 2  # a valley 10 times longer than wide


def grad_narrow(w):
    return np.array([2 * w[0], 200 * w[1]])


# our two optimisers take the same steps as PyTorch's
for step, make in [
    (momentum_step, lambda p: torch.optim.SGD(p, lr=0.003, momentum=0.9)),
    (adam_step, lambda p: torch.optim.Adam(p, lr=0.003)),
]:
    w, state = w0, {}
    w_t = torch.tensor(w0, requires_grad=True)
    optimizer = make([w_t])
    for _ in range(20):
        w = step(w, grad_narrow(w), state, lr=0.003)
        optimizer.zero_grad()
        loss_narrow(w_t).backward()
        optimizer.step()
    torch.testing.assert_close(w_t.detach(), torch.from_numpy(w))

lr_grid = [0.001, 0.003, 0.009, 0.03, 0.1, 0.3, 1.0]
best = {}
for surface, loss, grad in [("bowl", loss_bowl, grad_bowl), ("narrow", loss_narrow, grad_narrow)]:
    for name, step in [("plain", plain_step), ("momentum", momentum_step), ("Adam", adam_step)]:
        results = {lr: steps_to_reach(step, lr, loss, grad) for lr in lr_grid}
        lr_best = min((lr for lr in results if results[lr]), key=lambda lr: results[lr])
        best[surface, name] = results[lr_best]
        print(f"{surface:6s} {name:8s}: {results[lr_best]:4d} steps to L < 1e-6 (lr = {lr_best})")
assert best["bowl", "plain"] < min(best["bowl", "momentum"], best["bowl", "Adam"])
assert 2 * best["narrow", "momentum"] < best["narrow", "plain"]
assert 2 * best["narrow", "Adam"] < best["narrow", "plain"]
# --8<-- [end:exercise_4]
