# --8<-- [start:setup]
import warnings

import matplotlib.pyplot as plt
import torch

torch.manual_seed(0)
# --8<-- [end:setup]

# --8<-- [start:requires_grad]
x = torch.tensor(2.0, requires_grad=True)
y = x**2 + 3 * x  # dy/dx = 2x + 3, which is 7 at x = 2
print("y =", y)
y.backward()
print("dy/dx =", x.grad)
assert x.grad == 7.0
# --8<-- [end:requires_grad]

# --8<-- [start:graph]
w = torch.tensor(0.5, requires_grad=True)
b = torch.tensor(0.1, requires_grad=True)
x = torch.tensor(2.0)  # data: no gradient needed
target = torch.tensor(3.0)
z = w * x + b
loss = (z - target) ** 2


def show_graph(fn, depth=0):
    name = fn.name()
    if name == "torch::autograd::AccumulateGrad":
        name = "AccumulateGrad -> " + ("w.grad" if fn.variable is w else "b.grad")
    print("  " * depth + name)
    for child, _ in fn.next_functions:
        if child is not None:
            show_graph(child, depth + 1)


show_graph(loss.grad_fn)
print("leaves:", w.is_leaf, b.is_leaf, " intermediate z is a leaf:", z.is_leaf)
print(f"z = {z.item():.1f}, z - target = {(z - target).item():.1f}")
assert w.is_leaf and not z.is_leaf
assert abs(z.item() - 1.1) < 1e-6 and abs((z - target).item() - -1.9) < 1e-6
# --8<-- [end:graph]

# --8<-- [start:backward]
loss.backward()
print(f"loss = {loss.item():.4f}  dloss/dw = {w.grad.item():.4f}  dloss/db = {b.grad.item():.4f}")
# chain rule: dloss/dz = 2 (z - target) = -3.8, dz/dw = x = 2, dz/db = 1
assert torch.allclose(w.grad, torch.tensor(-7.6), atol=1e-6)
assert torch.allclose(b.grad, torch.tensor(-3.8), atol=1e-6)
with warnings.catch_warnings():  # reading .grad of a non-leaf warns
    warnings.simplefilter("ignore")
    assert z.grad is None  # only leaves keep their gradient
# --8<-- [end:backward]

# --8<-- [start:hand_derived]
N = 8
X = torch.randn(N, 3)
y = torch.randn(N)
w = torch.randn(3, requires_grad=True)
b = torch.zeros((), requires_grad=True)

y_hat = X @ w + b
loss = ((y_hat - y) ** 2).mean()
loss.backward()

residual = (y_hat - y).detach()
grad_w_by_hand = 2 / N * X.T @ residual
grad_b_by_hand = 2 / N * residual.sum()
print("autograd dL/dw:", [round(g, 4) for g in w.grad.tolist()], f" dL/db: {b.grad:.4f}")
print(
    "by hand  dL/dw:",
    [round(g, 4) for g in grad_w_by_hand.tolist()],
    f" dL/db: {grad_b_by_hand:.4f}",
)
assert torch.allclose(w.grad, grad_w_by_hand, atol=1e-6)
assert torch.allclose(b.grad, grad_b_by_hand, atol=1e-6)
# --8<-- [end:hand_derived]

# --8<-- [start:accumulation]
first = w.grad.clone()
loss = ((X @ w + b - y) ** 2).mean()  # the same loss again
loss.backward()  # adds to w.grad instead of replacing it
print("after a second backward:", [round(g, 4) for g in w.grad.tolist()])
assert torch.allclose(w.grad, 2 * first, atol=1e-6)

w.grad = None  # what optimizer.zero_grad() does
b.grad = None
# --8<-- [end:accumulation]

# --8<-- [start:accumulation_bug]
X = torch.randn(64, 3)
y = X @ torch.tensor([2.0, -1.0, 0.5]) + 0.1 * torch.randn(64)
lr, num_steps = 0.1, 40


def train(zero_grad):
    w = torch.zeros(3, requires_grad=True)
    losses = []
    for _ in range(num_steps):
        loss = ((X @ w - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        if zero_grad:
            w.grad = None
    return losses


correct = train(zero_grad=True)
buggy = train(zero_grad=False)
print(f"final loss with zeroing:    {correct[-1]:.4f}")
print(f"final loss without zeroing: {buggy[-1]:.4f}")
print(f"ratio: {buggy[-1] / correct[-1]:.0f}")
assert correct[-1] < 0.01 and buggy[-1] > 100 * correct[-1]
assert (torch.tensor(correct).diff() < 0).all()  # with the reset: lower at every step
assert (torch.tensor(buggy).diff() > 0).any()  # without it: up again at times
# --8<-- [end:accumulation_bug]

# --8<-- [start:accumulation_figure]
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(correct, label="grad reset every step", color="C0")
ax.plot(buggy, label="grad never reset (bug)", color="C1")
ax.set(yscale="log", xlabel="step", ylabel="training loss (MSE)")
ax.legend(loc="lower left")
ax.grid(alpha=0.3)
plt.show()
# --8<-- [end:accumulation_figure]

# --8<-- [start:accumulation_on_purpose]
w = torch.zeros(3, requires_grad=True)
((X @ w - y) ** 2).mean().backward()
full_batch = w.grad.clone()

w.grad = None
for X_part, y_part in [(X[:32], y[:32]), (X[32:], y[32:])]:
    (((X_part @ w - y_part) ** 2).mean() / 2).backward()  # each half weighs 1/2
print("full batch:      ", [round(g, 4) for g in full_batch.tolist()])
print("two accumulated: ", [round(g, 4) for g in w.grad.tolist()])
assert torch.allclose(w.grad, full_batch, atol=1e-6)
# --8<-- [end:accumulation_on_purpose]

# --8<-- [start:detach]
x = torch.tensor(3.0, requires_grad=True)
y = x**2
y_value = y.detach()  # same number, cut from the graph
print("y.detach() requires grad:", y_value.requires_grad)
assert y_value.data_ptr() == y.data_ptr()  # no copy is made

f = y * x  # f = x^3, df/dx = 3x^2 = 27
g = y.detach() * x  # y is treated as the constant 9, dg/dx = 9
(df_dx,) = torch.autograd.grad(f, x)
(dg_dx,) = torch.autograd.grad(g, x)
print(f"df/dx = {df_dx.item():.1f}   dg/dx = {dg_dx.item():.1f}")
assert df_dx == 27.0 and dg_dx == 9.0
assert x.grad is None  # torch.autograd.grad returns gradients, leaves .grad alone
# --8<-- [end:detach]

# --8<-- [start:exercise_1]
x = torch.tensor(1.0, requires_grad=True)
(x * torch.sin(x)).backward()
by_hand = torch.sin(torch.tensor(1.0)) + torch.cos(torch.tensor(1.0))  # product rule
print(f"autograd {x.grad.item():.4f}  by hand {by_hand.item():.4f}")
assert torch.allclose(x.grad, by_hand, atol=1e-6)
assert round(by_hand.item(), 4) == 1.3818  # sin 1 + cos 1
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
x = torch.tensor(2.0, requires_grad=True)
y = torch.exp(x)  # exp saves its result: its derivative is exp(x) itself
y.backward(retain_graph=True)  # keep the saved values for a second pass
y.backward()
print(f"two backward passes: x.grad = {x.grad.item():.4f} = 2 * exp(2)")
assert torch.allclose(x.grad, 2 * torch.exp(torch.tensor(2.0)), atol=1e-6)


def second_backward_raises(make_y):
    x = torch.tensor(2.0, requires_grad=True)
    y = make_y(x)
    y.backward()
    try:
        y.backward()
    except RuntimeError:
        return True
    return False


for text, make_y in [
    ("exp(x)", torch.exp),
    ("x * x", lambda x: x * x),
    ("x * 2", lambda x: x * 2),
    ("x + 1", lambda x: x + 1),
]:
    print(f"second backward of y = {text:6}: raises {second_backward_raises(make_y)}")
assert second_backward_raises(torch.exp) and second_backward_raises(lambda x: x * x)
assert second_backward_raises(lambda x: x * 2)  # the 2 is saved as a tensor, x is not
assert not second_backward_raises(lambda x: x + 1)  # nothing saved: nothing freed
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x**2
try:
    y.backward()
except RuntimeError as error:
    print("y.backward() on a vector:", error)
else:
    raise AssertionError("backward() on a vector should fail")
y.sum().backward()
print("after y.sum().backward():", x.grad)
assert x.grad.tolist() == [2.0, 4.0, 6.0]
# --8<-- [end:exercise_3]
