# --8<-- [start:setup]
import math

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from torch import nn

torch.manual_seed(0)
depth, width = 20, 256
X = torch.randn(1000, width)  # 1000 inputs with 256 features, each of standard deviation 1
# --8<-- [end:setup]


# --8<-- [start:activations]
def activation_stds(weight_std, activation, X=X, depth=depth):
    """The standard deviation of the activations after each of `depth` layers."""
    h, stds = X, []
    for _ in range(depth):
        W = torch.randn(h.shape[1], h.shape[1]) * weight_std
        h = activation(h @ W)
        stds.append(h.std().item())
    return stds, h


xavier = math.sqrt(1 / width)  # Xavier (Glorot): variance 2 / (fan_in + fan_out) = 1 / 256
he = math.sqrt(2 / width)  # He (Kaiming): variance 2 / fan_in
runs = {
    ("tanh", "too small, 0.01"): activation_stds(0.01, torch.tanh),
    ("tanh", "too large, 1"): activation_stds(1.0, torch.tanh),
    ("tanh", "Xavier"): activation_stds(xavier, torch.tanh),
    ("ReLU", "too small, 0.01"): activation_stds(0.01, torch.relu),
    ("ReLU", "too large, 1"): activation_stds(1.0, torch.relu),
    ("ReLU", "Xavier"): activation_stds(xavier, torch.relu),
    ("ReLU", "He"): activation_stds(he, torch.relu),
}
for (act, init), (stds, _) in runs.items():
    print(f"{act:<4} {init:<16} std after layer 1: {stds[0]:.3g}, after layer 20: {stds[-1]:.3g}")
# --8<-- [end:activations]

# --8<-- [start:activation_checks]
tanh_large = runs[("tanh", "too large, 1")][1]
saturated = (tanh_large.abs() > 0.99).float().mean().item()
print(f"tanh, too large: {saturated:.0%} of the outputs of layer 20 are beyond +-0.99")

assert math.isclose(math.sqrt(width) * 0.01, 0.16)  # the factor a layer for std 0.01
assert runs[("tanh", "too small, 0.01")][0][-1] < 1e-10  # vanished
assert runs[("ReLU", "too small, 0.01")][0][-1] < 1e-10
assert runs[("ReLU", "too large, 1")][0][-1] > 1e10  # exploded
assert saturated > 0.8  # tanh does not explode: it saturates
assert 0.1 < runs[("tanh", "Xavier")][0][-1] < 1  # shrinks slowly, see exercise 2
relu_xavier = runs[("ReLU", "Xavier")][0]
assert relu_xavier[-1] / relu_xavier[0] < 2**-8  # ReLU halves the mean square at each layer
he_stds = runs[("ReLU", "He")][0]
assert all(0.5 < s / he_stds[0] < 2 for s in he_stds)  # He keeps it within a factor of 2
# --8<-- [end:activation_checks]

# --8<-- [start:activation_figure]
fig, axes = plt.subplots(1, 2, figsize=(8, 3.2), sharey=True)
for ax, act in zip(axes, ["tanh", "ReLU"], strict=True):
    for (a, init), (stds, _) in runs.items():
        if a == act:
            ax.plot(range(1, depth + 1), stds, marker=".", label=init)
    ax.set(title=act, xlabel="layer", yscale="log")  # the y range fits every curve
    ax.legend(fontsize="small")
axes[0].set_ylabel("std of the activations")
plt.show()
# --8<-- [end:activation_figure]

# --8<-- [start:torch_init]
layer = nn.Linear(width, width)
nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
print(f"kaiming_normal_: std {layer.weight.std():.4f}, formula sqrt(2/256) = {he:.4f}")
assert abs(layer.weight.std().item() - he) < 0.02 * he
nn.init.xavier_normal_(layer.weight)
print(f"xavier_normal_:  std {layer.weight.std():.4f}, formula sqrt(1/256) = {xavier:.4f}")
assert abs(layer.weight.std().item() - xavier) < 0.02 * xavier
# --8<-- [end:torch_init]

# --8<-- [start:batch_norm]
scales = torch.tensor([1.0, 10.0, 100.0, 1000.0])
H = torch.randn(8, 4) * scales + 5  # a batch of 8 samples, 4 features on very different scales
eps = 1e-5

mean = H.mean(dim=0)  # one mean per feature, over the batch
var = H.var(dim=0, unbiased=False)
bn_ours = (H - mean) / torch.sqrt(var + eps)

bn = nn.BatchNorm1d(4)  # learnable scale 1 and shift 0 to start with
bn.train()
torch.testing.assert_close(bn_ours, bn(H))
print("batch norm, mean of each feature:", bn_ours.mean(dim=0).abs().max().item() < 1e-5)
print("batch norm, std of each feature: ", bn_ours.std(dim=0, unbiased=False).numpy().round(3))
torch.testing.assert_close(bn_ours.mean(dim=0), torch.zeros(4), atol=1e-5, rtol=0)
torch.testing.assert_close(bn_ours.std(dim=0, unbiased=False), torch.ones(4), atol=1e-3, rtol=0)
# --8<-- [end:batch_norm]

# --8<-- [start:layer_norm]
mean = H.mean(dim=1, keepdim=True)  # one mean per sample, over its features
var = H.var(dim=1, unbiased=False, keepdim=True)
ln_ours = (H - mean) / torch.sqrt(var + eps)

ln = nn.LayerNorm(4)
torch.testing.assert_close(ln_ours, ln(H))
print("layer norm, std of each sample:", ln_ours.std(dim=1, unbiased=False).numpy().round(3))
torch.testing.assert_close(ln_ours.mean(dim=1), torch.zeros(8), atol=1e-5, rtol=0)
torch.testing.assert_close(ln_ours.std(dim=1, unbiased=False), torch.ones(8), atol=1e-3, rtol=0)
# --8<-- [end:layer_norm]

# --8<-- [start:batch_dependence]
H_other = H.clone()
H_other[1:] = torch.randn(7, 4) * scales  # same first sample, different companions
bn_changed = not torch.allclose(bn(H)[0], bn(H_other)[0])
ln_changed = not torch.allclose(ln(H)[0], ln(H_other)[0])
print(f"sample 0's output changes with the rest of the batch: batch norm {bn_changed}, "
      f"layer norm {ln_changed}")  # fmt: skip
assert bn_changed and not ln_changed
# --8<-- [end:batch_dependence]

# --8<-- [start:residual]
digits = load_digits()
X_digits = torch.tensor(digits.data[:500] / 16.0, dtype=torch.float32)  # 500 images suffice
y_digits = torch.tensor(digits.target[:500])


class DeepNet(nn.Module):
    def __init__(self, residual, batch_norm=False, depth=depth, width=32):
        super().__init__()
        self.residual = residual
        self.inp = nn.Linear(64, width)
        self.layers = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
        norm = nn.BatchNorm1d if batch_norm else nn.Identity  # used in the last section
        self.norms = nn.ModuleList(norm(width) for _ in range(depth))
        self.out = nn.Linear(width, 10)

    def forward(self, x):
        h = self.inp(x)
        for layer, norm in zip(self.layers, self.norms, strict=True):
            out = torch.relu(norm(layer(h)))
            h = h + out if self.residual else out  # the skip connection adds h back
        return self.out(h)


loss_fn = nn.CrossEntropyLoss()


def gradient_norms(net):
    """The norm of the gradient of each hidden layer's weights, for one backward pass."""
    loss_fn(net(X_digits), y_digits).backward()
    return [layer.weight.grad.norm().item() for layer in net.layers]


nets, grads = {}, {}
for name, residual in [("plain", False), ("residual", True)]:
    torch.manual_seed(1)  # the same weights for both nets
    nets[name] = DeepNet(residual)
    grads[name] = gradient_norms(nets[name])
ratio = grads["residual"][0] / grads["plain"][0]
print(f"gradient norm at the first of 20 layers: plain {grads['plain'][0]:.2e}, "
      f"residual {grads['residual'][0]:.2e}")  # fmt: skip
print(f"ratio residual / plain: {ratio:.1e}")
assert ratio > 1e9
# --8<-- [end:residual]

# --8<-- [start:residual_training]
lr, num_steps = 0.01, 50


def train(net):
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    losses = []
    for _ in range(num_steps):
        loss = loss_fn(net(X_digits), y_digits)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


losses = {name: train(net) for name, net in nets.items()}
chance = math.log(10)  # the loss of a blind guess among 10 digits
print(f"training loss after {num_steps} full-batch Adam steps: "
      f"plain {losses['plain'][-1]:.3f}, residual {losses['residual'][-1]:.4f}")  # fmt: skip
print(f"a blind guess: ln 10 = {chance:.3f}")
assert losses["residual"][-1] < 0.2 and abs(losses["plain"][-1] - chance) < 0.05
# --8<-- [end:residual_training]

# --8<-- [start:plain_batch_norm]
torch.manual_seed(1)  # the same linear weights again; batch norm starts at scale 1, shift 0
nets["plain, batch norm"] = DeepNet(residual=False, batch_norm=True)
grads["plain, batch norm"] = gradient_norms(nets["plain, batch norm"])
for name, g in grads.items():
    print(f"{name + ':':<18} gradient norm at layer 1 {g[0]:.2e}, at layer 20 {g[-1]:.2e}")
losses["plain, batch norm"] = train(nets["plain, batch norm"])
bn_loss = losses["plain, batch norm"][-1]
print(f"plain with batch norm, training loss after {num_steps} steps: {bn_loss:.4f}")
bn_grads = grads["plain, batch norm"]
assert bn_grads[0] > bn_grads[-1] and bn_grads[0] > 1e9 * grads["plain"][0]  # grows, not vanishes
assert 0.1 < bn_grads[0] / grads["residual"][0] < 10  # the residual net's order of size
assert bn_loss < 0.5  # and it learns
# --8<-- [end:plain_batch_norm]

# --8<-- [start:residual_figure]
fig, ax = plt.subplots(figsize=(5, 3))
for name, curve in losses.items():
    ax.plot(curve, label=f"{name}, 20 layers")
ax.set(xlabel="step", ylabel="training loss", yscale="log")
ax.legend()
plt.show()
# --8<-- [end:residual_figure]

# --8<-- [start:exercise_1]
torch.manual_seed(0)
h, default_stds = X, []
for _ in range(depth):
    h = torch.relu(nn.Linear(width, width, bias=False)(h))  # PyTorch's default initialisation
    default_stds.append(h.std().item())
per_layer = (default_stds[-1] / default_stds[0]) ** (1 / (depth - 1))
print(f"default init: std after layer 20 {default_stds[-1]:.2e}, factor {per_layer:.3f} a layer")
print(f"predicted factor 1 / sqrt(6) = {1 / math.sqrt(6):.3f}")
assert abs(per_layer - 1 / math.sqrt(6)) < 0.02
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
gain = nn.init.calculate_gain("tanh")
torch.manual_seed(0)
stds_gain, _ = activation_stds(gain * xavier, torch.tanh)
print(f"tanh gain {gain:.3f}; std after layer 20: gain 1 {runs[('tanh', 'Xavier')][0][-1]:.3f}, "
      f"gain 5/3 {stds_gain[-1]:.3f}")  # fmt: skip
assert stds_gain[-1] > 2 * runs[("tanh", "Xavier")][0][-1]
assert all(abs(s - stds_gain[0]) < 0.25 * stds_gain[0] for s in stds_gain)
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
bn_one = nn.BatchNorm1d(4)
bn_one(H)  # training mode: a batch of 8 updates the running averages
try:
    bn_one(H[:1])  # one sample: no batch to take statistics over
except ValueError as error:
    print("batch norm, batch of one, training mode:", error)
else:
    raise AssertionError("batch norm accepted a batch of one in training mode")
bn_one.eval()  # evaluation mode uses the running averages gathered during training
print("in evaluation mode it works:", tuple(bn_one(H[:1]).shape))
print("layer norm needs no batch:  ", tuple(ln(H[:1]).shape))
# --8<-- [end:exercise_3]
