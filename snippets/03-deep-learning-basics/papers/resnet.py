# --8<-- [start:setup]
import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

torch.manual_seed(0)
# --8<-- [end:setup]

# --8<-- [start:data]
digits = load_digits()
X = torch.tensor(digits.data / 16.0, dtype=torch.float32)  # (1797, 64): flattened 8 x 8 images
y = torch.tensor(digits.target)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)
print(f"train {tuple(X_train.shape)}, test {tuple(X_test.shape)}")
# --8<-- [end:data]


# --8<-- [start:block]
class Block(nn.Module):
    """Two layers with weights. Plain: relu(F(x)). Residual: relu(F(x) + x)."""

    def __init__(self, width, residual):
        super().__init__()
        self.residual = residual
        self.f = nn.Sequential(
            nn.Linear(width, width, bias=False), nn.BatchNorm1d(width), nn.ReLU(),
            nn.Linear(width, width, bias=False), nn.BatchNorm1d(width),
        )  # fmt: skip
        if residual:
            nn.init.zeros_(self.f[-1].weight)  # F(x) = 0 at the start

    def forward(self, x):
        out = self.f(x)
        if self.residual:
            out = out + x  # the shortcut: add the block's input back
        return torch.relu(out)


def make_net(depth, residual, width=32):
    """depth = layers with weights: the first Linear, two per block, the last Linear."""
    return nn.Sequential(
        nn.Linear(64, width, bias=False), nn.BatchNorm1d(width), nn.ReLU(),
        *[Block(width, residual) for _ in range((depth - 2) // 2)],
        nn.Linear(width, 10),
    )  # fmt: skip


for depth in (4, 20):
    n_linear = sum(isinstance(m, nn.Linear) for m in make_net(depth, residual=False).modules())
    print(f"make_net({depth}) has {n_linear} layers with weights")
    assert n_linear == depth
# --8<-- [end:block]

# --8<-- [start:zero_init]
resnet_20 = make_net(20, residual=True)
shallow = nn.Sequential(*resnet_20[:3], resnet_20[-1])  # the same net, blocks taken out
with torch.no_grad():
    resnet_20.eval(), shallow.eval()
    torch.testing.assert_close(resnet_20(X_train), shallow(X_train))
n_blocks = len(resnet_20) - 4
print(f"at initialisation the 20-layer residual net, {n_blocks} blocks and all,")
print("computes exactly what its first and last layer alone compute")
# --8<-- [end:zero_init]

# --8<-- [start:train]
num_steps, batch_size, lr = 150, 64, 0.05
loss_fn = nn.CrossEntropyLoss()


def error(net, X, y):
    net.eval()
    with torch.no_grad():
        return (net(X).argmax(dim=1) != y).float().mean().item()


def train(net):
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    batches = torch.Generator().manual_seed(0)  # every net sees the same batches in order
    batch_errors = []
    for _ in range(num_steps):
        net.train()
        idx = torch.randint(0, len(X_train), (batch_size,), generator=batches)
        y_hat = net(X_train[idx])
        loss = loss_fn(y_hat, y_train[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        batch_errors.append((y_hat.argmax(dim=1) != y_train[idx]).float().mean().item())
    return batch_errors


# --8<-- [end:train]

# --8<-- [start:degradation]
results = {}
for name, depth, residual in [
    ("plain 4", 4, False),
    ("plain 20", 20, False),
    ("residual 20", 20, True),
]:
    torch.manual_seed(0)
    net = make_net(depth, residual)
    curve = train(net)
    results[name] = (curve, error(net, X_train, y_train), error(net, X_test, y_test))
    n_params = sum(p.numel() for p in net.parameters())
    print(
        f"{name:<12} {n_params:>6,} parameters: training error {results[name][1]:.3f},"
        f" test error {results[name][2]:.3f}"
    )
train_error = {name: result[1] for name, result in results.items()}
assert (
    train_error["plain 20"] > 5 * train_error["plain 4"]
)  # deeper, yet worse on its own training data
assert train_error["residual 20"] < 0.05
# --8<-- [end:degradation]

# --8<-- [start:figure]
window = 25  # average the batch errors over 25 steps to see the trend
fig, ax = plt.subplots(figsize=(6, 3.2))
for name, (curve, _, _) in results.items():
    smooth = torch.tensor(curve).unfold(0, window, 1).mean(dim=1)
    ax.plot(range(window, num_steps + 1), 100 * smooth, label=name)
ax.set(xlabel="training step", ylabel="training error (%)", ylim=(0, 100))
ax.legend()
plt.show()
# --8<-- [end:figure]

# --8<-- [start:exercise_1]
torch.manual_seed(0)
resnet_20_default = make_net(20, residual=True)
for block in resnet_20_default[3:-1]:
    nn.init.ones_(block.f[-1].weight)  # undo the zero initialisation: PyTorch's default
train(resnet_20_default)
default_error = error(resnet_20_default, X_train, y_train)
print(
    f"residual 20, last batch norm of each block starting at 1: training error {default_error:.3f}"
)
assert default_error < train_error["plain 20"] / 2
# --8<-- [end:exercise_1]


# --8<-- [start:exercise_2]
class ProjectionBlock(nn.Module):
    """A residual block that changes the width: the shortcut needs weights of its own."""

    def __init__(self, width_in, width_out):
        super().__init__()
        self.f = nn.Sequential(
            nn.Linear(width_in, width_out, bias=False), nn.BatchNorm1d(width_out), nn.ReLU(),
            nn.Linear(width_out, width_out, bias=False), nn.BatchNorm1d(width_out),
        )  # fmt: skip
        self.shortcut = nn.Linear(width_in, width_out, bias=False)  # the paper's option B

    def forward(self, x):
        return torch.relu(self.f(x) + self.shortcut(x))


block = ProjectionBlock(32, 48)
out = block(torch.randn(5, 32))
n_shortcut = sum(p.numel() for p in block.shortcut.parameters())
print(f"output {tuple(out.shape)}, shortcut parameters {n_shortcut}")
assert out.shape == (5, 48) and n_shortcut == 32 * 48
# --8<-- [end:exercise_2]
