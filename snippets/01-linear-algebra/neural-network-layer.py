# --8<-- [start:setup]
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

torch.manual_seed(0)
# --8<-- [end:setup]

# --8<-- [start:one_neuron]
x = torch.tensor([1.0, 2.0, 3.0, 4.0])  # one input with 4 features
w = torch.tensor([0.5, -0.5, 1.0, 0.0])  # the neuron's weights
b = 0.5  # its bias
z = w @ x + b
print(f"z = w @ x + b = {z.item()}")
assert z.item() == 3.0
# --8<-- [end:one_neuron]

# --8<-- [start:layer]
W = torch.tensor([[0.5, -0.5, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0], [0.0, 0.1, 0.0, -0.1]])
b = torch.tensor([0.5, 0.0, -1.0])
z = W @ x + b  # 3 neurons at once
print("W.shape", tuple(W.shape), " z =", z)
for j in range(3):  # entry j is neuron j: row j of W, dotted with x
    assert torch.isclose(z[j], W[j] @ x + b[j])
assert torch.allclose(z, torch.tensor([3.0, 5.0, -1.2]))
# --8<-- [end:layer]

# --8<-- [start:batch_data]
batch_size = 5
X = torch.randn(batch_size, 4)  # one input per row
# --8<-- [end:batch_data]

# --8<-- [start:dense]
Z = X @ W.T + b
# --8<-- [end:dense]

# --8<-- [start:dense_check]
print(f"{tuple(X.shape)} @ {tuple(W.T.shape)} + {tuple(b.shape)} -> {tuple(Z.shape)}")
for i in range(batch_size):  # row i of Z is the layer applied to input i
    assert torch.allclose(Z[i], W @ X[i] + b, atol=1e-6)
# --8<-- [end:dense_check]

# --8<-- [start:nn_linear]
layer = nn.Linear(in_features=4, out_features=3)
print("layer.weight.shape", tuple(layer.weight.shape), " layer.bias.shape", tuple(layer.bias.shape))
with torch.no_grad():  # give it our weights
    layer.weight.copy_(W)
    layer.bias.copy_(b)
assert torch.allclose(layer(X), X @ W.T + b, atol=1e-6)
print("layer(X) equals X @ W.T + b")
# --8<-- [end:nn_linear]

# --8<-- [start:np_dense]
X_np, W_np, b_np = X.numpy(), W.numpy(), b.numpy()
Z_np = X_np @ W_np.T + b_np
# --8<-- [end:np_dense]

# --8<-- [start:np_dense_check]
print("NumPy gives the same:", np.allclose(Z_np, Z.numpy()))
assert np.allclose(Z_np, Z.numpy())
# --8<-- [end:np_dense_check]

# --8<-- [start:two_layer]
batch_size = 16
digits = load_digits()  # handwritten digits, 8 x 8 pixels, values 0 to 16
X = torch.tensor(digits.data[:batch_size], dtype=torch.float32) / 16  # each flattened to 64
print("the first 16 digits:", digits.target[:batch_size].tolist())
W1, b1 = 0.1 * torch.randn(32, 64), torch.zeros(32)  # layer 1: 64 inputs -> 32 neurons
W2, b2 = 0.1 * torch.randn(10, 32), torch.zeros(10)  # layer 2: 32 inputs -> 10 scores
H = torch.relu(X @ W1.T + b1)
logits = H @ W2.T + b2
print("X      ", tuple(X.shape), "  16 images of 64 pixels")
print("W1.T   ", tuple(W1.T.shape))
print("H      ", tuple(H.shape), "  32 hidden values per image")
print("W2.T   ", tuple(W2.T.shape))
print("logits ", tuple(logits.shape), "  10 scores per image, one per digit")
assert logits.shape == (16, 10) and digits.images.shape[1:] == (8, 8)
assert X.min() == 0 and X.max() == 1
# --8<-- [end:two_layer]

# --8<-- [start:shapes_figure]
fig, ax = plt.subplots(figsize=(6.5, 2.6))
boxes = [("X", X), ("W1.T", W1.T), ("H", H), ("W2.T", W2.T), ("logits", logits)]
signs = ["@", "→", "@", "="]
left = 0.0
for k, (name, tensor) in enumerate(boxes):
    rows, cols = tensor.shape
    ax.add_patch(plt.Rectangle((left, -rows / 8), cols / 8, rows / 8, fc=f"C{k}", alpha=0.5))
    ax.text(left + cols / 16, -rows / 8 - 0.5, f"{name}\n{rows} × {cols}", ha="center", va="top")
    left += cols / 8
    if k < len(signs):
        ax.text(left + 1, -1, signs[k], fontsize=14, ha="center", va="center")
        if signs[k] == "→":
            ax.text(left + 1, -0.3, "relu", fontsize=9, ha="center", va="center")
        left += 2
ax.set(xlim=(-0.2, left + 0.2), ylim=(-10.5, 0.3), aspect="equal")
ax.axis("off")
plt.show()
# --8<-- [end:shapes_figure]

# --8<-- [start:two_layer_check]
net = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
with torch.no_grad():
    net[0].weight.copy_(W1)
    net[0].bias.copy_(b1)
    net[2].weight.copy_(W2)
    net[2].bias.copy_(b2)
assert torch.allclose(net(X), logits, atol=1e-6)
num_params = sum(p.numel() for p in net.parameters())
print("net(X) equals our logits; parameters:", num_params)
assert num_params == 64 * 32 + 32 + 32 * 10 + 10 == 2410
# --8<-- [end:two_layer_check]

# --8<-- [start:exercise_1]
no_relu = (X @ W1.T + b1) @ W2.T + b2
W_one = W2 @ W1  # (10, 32) @ (32, 64) -> (10, 64)
b_one = W2 @ b1 + b2
print("one layer with W2 @ W1:", tuple(W_one.shape), "gives the same output")
assert torch.allclose(X @ W_one.T + b_one, no_relu, atol=1e-5)
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
big = nn.Linear(784, 128)
count = sum(p.numel() for p in big.parameters())
print("nn.Linear(784, 128) has", count, "parameters")
assert count == 784 * 128 + 128 == 100480 and 28 * 28 == 784
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
one_image = X[0]  # shape (64,)
print(tuple(net(one_image).shape), tuple(net(one_image[None]).shape))
assert net(one_image).shape == (10,) and net(one_image[None]).shape == (1, 10)
assert torch.allclose(net(one_image), net(X)[0], atol=1e-6)
# --8<-- [end:exercise_3]
