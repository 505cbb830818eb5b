# --8<-- [start:setup]
import matplotlib.pyplot as plt
import numpy as np
import torch

torch.manual_seed(0)
rng = np.random.default_rng(0)
# --8<-- [end:setup]

# --8<-- [start:one_neuron]
x = np.array([2.0, -1.0, 0.5])  # one input with 3 features
w = np.array([0.4, 0.3, -0.2])  # one weight per feature
b = 0.1  # the bias

z_by_hand = w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + b
z = w @ x + b
print("w * x, entry by entry:", w * x)
print(f"z by hand = {z_by_hand:.4f}")
print(f"w @ x + b = {z:.4f}")
assert np.array_equal(w * x, [0.8, -0.3, -0.1])
assert np.isclose(z, z_by_hand) and np.isclose(z, 0.5)
# --8<-- [end:one_neuron]


# --8<-- [start:activations]
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def tanh(z):
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))


def relu(z):
    return np.maximum(z, 0)


print(f"sigmoid(z) = {sigmoid(z):.4f}, tanh(z) = {tanh(z):.4f}, relu(z) = {relu(z):.4f}")
# --8<-- [end:activations]

# --8<-- [start:check_activations]
zs = np.linspace(-5, 5, 101)
zs_t = torch.tensor(zs)
torch.testing.assert_close(torch.from_numpy(sigmoid(zs)), torch.sigmoid(zs_t))
torch.testing.assert_close(torch.from_numpy(tanh(zs)), torch.tanh(zs_t))
torch.testing.assert_close(torch.from_numpy(relu(zs)), torch.relu(zs_t))
print("sigmoid, tanh and relu equal PyTorch's on", zs.shape[0], "points")
assert zs.shape == (101,)
# --8<-- [end:check_activations]


# --8<-- [start:derivatives]
def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1 - s)


def tanh_grad(z):
    return 1 - tanh(z) ** 2


def relu_grad(z):
    return (z > 0).astype(float)


for f_torch, grad_by_hand in [
    (torch.sigmoid, sigmoid_grad),
    (torch.tanh, tanh_grad),
    (torch.relu, relu_grad),
]:
    zs_t = torch.tensor(zs, requires_grad=True)
    f_torch(zs_t).sum().backward()  # autograd: d f(z_i) / d z_i for every point
    torch.testing.assert_close(torch.from_numpy(grad_by_hand(zs)), zs_t.grad)
print(f"largest slope of sigmoid: {sigmoid_grad(zs).max():.4f} (at z = 0)")
print(f"largest slope of tanh:    {tanh_grad(zs).max():.4f} (at z = 0)")
assert sigmoid_grad(zs).max() == sigmoid_grad(0.0) == 0.25
assert tanh_grad(zs).max() == tanh_grad(0.0) == 1.0
# --8<-- [end:derivatives]

# --8<-- [start:figure_activations]
fig, axes = plt.subplots(1, 3, figsize=(7, 2.6), sharey=True)
for ax, name, f, df in [
    (axes[0], "sigmoid", sigmoid, sigmoid_grad),
    (axes[1], "tanh", tanh, tanh_grad),
    (axes[2], "ReLU", relu, relu_grad),
]:
    ax.plot(zs, f(zs), color="C0", label="f(z)")
    ax.plot(zs, df(zs), "--", color="C1", label="f'(z)")
    ax.set(title=name, xlabel="z", ylim=(-1.2, 2.2))
    ax.axhline(0, color="C7", lw=0.5)
    ax.grid(alpha=0.3)
axes[0].legend(loc="upper left")
fig.tight_layout()
plt.show()
# --8<-- [end:figure_activations]


# --8<-- [start:softmax]
def softmax(scores):
    e = np.exp(scores - scores.max())  # subtracting the max changes nothing but avoids overflow
    return e / e.sum()


scores = np.array([2.0, 1.0, 0.1])
p = softmax(scores)
print("scores       :", scores)
print("probabilities:", p.round(4), f"sum = {p.sum():.4f}")
torch.testing.assert_close(torch.from_numpy(p), torch.softmax(torch.tensor(scores), dim=0))
assert np.isclose(p.sum(), 1.0) and p.argmax() == scores.argmax()
# --8<-- [end:softmax]

# --8<-- [start:softmax_derivative]
jacobian_by_hand = np.diag(p) - np.outer(p, p)
jacobian_torch = torch.autograd.functional.jacobian(
    lambda s: torch.softmax(s, dim=0), torch.tensor(scores)
)
print("d p_i / d score_j:")
print(jacobian_by_hand.round(4))
torch.testing.assert_close(torch.from_numpy(jacobian_by_hand), jacobian_torch)
# --8<-- [end:softmax_derivative]

# --8<-- [start:figure_softmax]
probs = np.array([softmax(np.array([s, 1.0, 0.1])) for s in zs])
fig, ax = plt.subplots(figsize=(6.2, 3))
for i in range(3):
    ax.plot(zs, probs[:, i], color=f"C{i}", label=f"p{i + 1}")
ax.plot(zs, probs[:, 0] * (1 - probs[:, 0]), "--", color="C0", label="d p1 / d s1")
ax.set(xlabel="first score s1 (the others stay 1.0 and 0.1)", ylabel="probability")
ax.grid(alpha=0.3)
ax.legend(loc="upper left", bbox_to_anchor=(1, 1))
fig.tight_layout()
plt.show()
# --8<-- [end:figure_softmax]

# --8<-- [start:layer_loop]
W = rng.normal(size=(4, 3))  # 4 neurons, each with 3 weights: one row per neuron
b = rng.normal(size=4)  # one bias per neuron
x = np.array([2.0, -1.0, 0.5])

z_loop = np.array([W[j] @ x + b[j] for j in range(4)])  # neuron after neuron
z = W @ x + b  # all neurons at once
print("z with a loop:", z_loop.round(4))
print("z = W @ x + b:", z.round(4), "shape", z.shape)
assert np.allclose(z, z_loop)
# --8<-- [end:layer_loop]

# --8<-- [start:layer_batch]
X = rng.normal(size=(5, 3))  # a batch: 5 inputs, one per row
Z = X @ W.T + b  # shape (5, 3) @ (3, 4) + (4,) -> (5, 4)
H = relu(Z)
print("X", X.shape, "-> Z", Z.shape, "-> H = relu(Z)", H.shape)
assert Z.shape == (5, 4)
assert np.allclose(Z[2], W @ X[2] + b)  # row i of Z is the layer applied to input i
# --8<-- [end:layer_batch]

# --8<-- [start:layer_torch]
layer = torch.nn.Linear(in_features=3, out_features=4, dtype=torch.float64)
with torch.no_grad():
    layer.weight.copy_(torch.from_numpy(W))
    layer.bias.copy_(torch.from_numpy(b))
print(
    "layer.weight.shape:", tuple(layer.weight.shape), " layer.bias.shape:", tuple(layer.bias.shape)
)
num_params = sum(p.numel() for p in layer.parameters())
print("parameters:", num_params, "= 4 * 3 weights + 4 biases")
torch.testing.assert_close(layer(torch.from_numpy(X)), torch.from_numpy(Z))
assert num_params == 4 * 3 + 4 == 16
# --8<-- [end:layer_torch]

# --8<-- [start:exercise_1]
W1, b1 = rng.normal(size=(4, 3)), rng.normal(size=4)
W2, b2 = rng.normal(size=(2, 4)), rng.normal(size=2)
two_layers = (X @ W1.T + b1) @ W2.T + b2
W_one = W2 @ W1  # shape (2, 3)
b_one = W2 @ b1 + b2  # shape (2,)
one_layer = X @ W_one.T + b_one
print("two linear layers == one linear layer:", np.allclose(two_layers, one_layer))
assert np.allclose(two_layers, one_layer)


def best_linear_fit(X, targets):
    """The linear layer (W, b) closest to the targets in squared error, by least squares."""
    X_1 = np.hstack([X, np.ones((len(X), 1))])  # a column of ones carries the bias
    coef, *_ = np.linalg.lstsq(X_1, targets, rcond=None)
    rms_error = np.sqrt(np.mean((X_1 @ coef - targets) ** 2))
    return rms_error, targets.std()


X_many = rng.normal(size=(500, 3))  # 500 inputs, to see the whole function
no_relu = (X_many @ W1.T + b1) @ W2.T + b2
with_relu = relu(X_many @ W1.T + b1) @ W2.T + b2
for name, targets in [("no ReLU  ", no_relu), ("with ReLU", with_relu)]:
    rms_error, spread = best_linear_fit(X_many, targets)
    print(f"{name}: best linear layer's error {rms_error:.4f} (outputs spread {spread:.4f})")
assert best_linear_fit(X_many, no_relu)[0] < 1e-12  # a linear layer matches exactly
assert best_linear_fit(X_many, with_relu)[0] > 0.3  # the best linear layer is far off
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
num_layers = 10
w_chain = rng.normal(size=num_layers)  # one weight and one bias per layer
b_chain = rng.normal(size=num_layers)
h0 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
h, zs_chain = h0, []
for k in range(num_layers):
    z_k = w_chain[k] * h + b_chain[k]
    zs_chain.append(z_k.item())
    h = torch.sigmoid(z_k)
h.backward()  # autograd: d h_10 / d h_0 in h0.grad
chain_rule = np.prod(sigmoid_grad(np.array(zs_chain)) * w_chain)
bound = 0.25**num_layers * np.prod(np.abs(w_chain))
print(f"autograd  d h10 / d h0 = {h0.grad.item():.3e}")
print(f"product of w_k * sigmoid'(z_k) = {chain_rule:.3e}")
print(f"bound 0.25**10 * prod |w_k|    = {bound:.3e}")
print(f"0.25**10 = {0.25**num_layers:.2e}, and with every |w_k| = 4: {(0.25 * 4.0) ** 10:.1f}")
assert np.isclose(h0.grad.item(), chain_rule, rtol=1e-12)
assert abs(chain_rule) <= bound
assert np.isclose(0.25**num_layers, 9.54e-7, rtol=1e-3)

h0 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
h = h0
for k in range(num_layers):  # the same chain with every weight grown to size 4
    h = torch.sigmoid(4.0 * np.sign(w_chain[k]) * h + b_chain[k])
h.backward()
print(f"with every |w_k| = 4:  d h10 / d h0 = {h0.grad.item():.3e}")
assert abs(h0.grad.item()) < 1e-3  # far below its bound of 1
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
big = np.array([1000.0, 999.0, 0.0])
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(big) / np.exp(big).sum()
print("naive  :", naive)
print("softmax:", softmax(big).round(4))
assert np.isnan(naive).any() and np.isclose(softmax(big).sum(), 1.0)
assert np.allclose(softmax(big), softmax(big - 1000.0))  # shifting all scores changes nothing
# --8<-- [end:exercise_3]
