# --8<-- [start:setup]
import time

import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn

torch.set_num_threads(1)
start = time.process_time()  # CPU time of this process: load on the machine does not count
# --8<-- [end:setup]

# --8<-- [start:data]
digits = load_digits()
N_TRAIN = 512
X = torch.tensor(digits.images[:N_TRAIN] / 16.0, dtype=torch.float32).unsqueeze(1)
y = torch.tensor(digits.target[:N_TRAIN])
print("training images:", tuple(X.shape), " labels:", tuple(y.shape))
print("images per class: min", int(y.bincount().min()), " max", int(y.bincount().max()))
assert X.shape == (N_TRAIN, 1, 8, 8)
# --8<-- [end:data]


# --8<-- [start:model]
class Block(nn.Module):
    """Two 3x3 convolutions with batch norm; with a shortcut if residual."""

    def __init__(self, width, residual, zero_init):
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.residual = residual
        if zero_init:
            nn.init.zeros_(self.bn2.weight)  # the block starts as the identity

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + x) if self.residual else F.relu(out)


class Net(nn.Module):
    """A stem convolution, blocks of two convolutions, average pooling, a linear layer."""

    def __init__(self, depth, residual, zero_init=True, width=8):
        super().__init__()
        n_blocks = (depth - 2) // 2  # depth counts layers with weights: 1 + 2 * blocks + 1
        self.stem = nn.Sequential(
            nn.Conv2d(1, width, 3, stride=2, padding=1, bias=False),  # 8x8 -> 4x4
            nn.BatchNorm2d(width),
            nn.ReLU(),
        )
        self.blocks = nn.Sequential(
            *[Block(width, residual, zero_init and residual) for _ in range(n_blocks)]
        )
        self.head = nn.Linear(width, 10)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.head(x.mean(dim=(2, 3)))


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def layers_with_weights(model):
    return sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in model.modules())


for name, depth, residual in [
    ("plain-4", 4, False),
    ("plain-20", 20, False),
    ("resnet-20", 20, True),
]:
    torch.manual_seed(0)
    model = Net(depth, residual)
    print(f"{name:10s} layers={layers_with_weights(model):2d}  parameters={count_params(model)}")
    assert layers_with_weights(model) == depth
assert count_params(Net(20, True)) == count_params(Net(20, False))  # shortcuts add no weight
# by hand, width 8: stem 1*8*9 + 16 (batch norm), a block 2 * (8*8*9 + 16), head 8*10 + 10
for depth in (4, 20):
    assert count_params(Net(depth, False)) == 88 + (depth - 2) // 2 * 1184 + 90
# --8<-- [end:model]

# --8<-- [start:train]
STEPS, BATCH, LR, MOMENTUM = 40, 32, 0.1, 0.9


def train_error(depth, residual, zero_init=True, seed=0):
    """Train with SGD on fixed mini-batches; return the error on the training images."""
    torch.manual_seed(seed)
    model = Net(depth, residual, zero_init)
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    batches = torch.Generator().manual_seed(seed)  # the same mini-batches for every model
    model.train()
    for _ in range(STEPS):
        idx = torch.randint(0, N_TRAIN, (BATCH,), generator=batches)
        loss = F.cross_entropy(model(X[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        return (model(X).argmax(1) != y).float().mean().item()


errors = {
    "plain-4": train_error(4, residual=False),
    "plain-20": train_error(20, residual=False),
    "resnet-20": train_error(20, residual=True),
}
for name, err in errors.items():
    print(f"{name:10s} training error = {err:.3f}")
# --8<-- [end:train]

# --8<-- [start:claims]
MARGIN = 0.05  # "reproduced" means a gap of at least 5 points of training error
claim1 = errors["plain-20"] - errors["plain-4"]
claim2 = errors["plain-20"] - errors["resnet-20"]
print(f"claim 1 (degradation): plain-20 minus plain-4 = {claim1:+.3f}")
print(f"claim 2 (residual fixes it): plain-20 minus resnet-20 = {claim2:+.3f}")
assert claim1 >= MARGIN, "claim 1 not reproduced"
assert claim2 >= MARGIN, "claim 2 not reproduced"
# --8<-- [end:claims]

# --8<-- [start:beyond]
errors["resnet-20, no zero-init"] = train_error(20, residual=True, zero_init=False)
print(f"resnet-20 without zero-init: training error = {errors['resnet-20, no zero-init']:.3f}")
assert errors["resnet-20, no zero-init"] < errors["plain-20"] - MARGIN
# --8<-- [end:beyond]

# --8<-- [start:budget]
seconds = time.process_time() - start
assert seconds < 10
print("data, models and all four runs: under 10 s of CPU time on one thread")
# --8<-- [end:budget]


# --8<-- [start:exercise_1]
def conv_bn(c_in, c_out):
    return c_in * c_out * 9 + 2 * c_out  # a 3x3 convolution without bias, then batch norm


def cifar_resnet_params(n):
    """The paper's CIFAR-10 nets: 6n + 2 layers, widths 16, 32, 64, parameter-free shortcuts."""
    total = conv_bn(3, 16) + 64 * 10 + 10  # stem and the final linear layer
    for c_in, c_out in [(16, 16), (16, 32), (32, 64)]:
        total += conv_bn(c_in, c_out) + (2 * n - 1) * conv_bn(c_out, c_out)
    return total


for n in (3, 9):
    print(f"{6 * n + 2}-layer CIFAR-10 ResNet: {cifar_resnet_params(n)} parameters")
ratio = cifar_resnet_params(3) / count_params(Net(20, True))
print(f"our 20-layer net: {count_params(Net(20, True))} parameters, {ratio:.0f} times fewer")
assert round(cifar_resnet_params(3) / 1e6, 2) == 0.27
# --8<-- [end:exercise_1]


# --8<-- [start:exercise_2]
def batch_indices(seed):
    g = torch.Generator().manual_seed(seed)
    return torch.stack([torch.randint(0, N_TRAIN, (BATCH,), generator=g) for _ in range(STEPS)])


same = torch.equal(batch_indices(0), batch_indices(0))
print("every model sees the same mini-batches:", same)
print("images seen per model:", STEPS * BATCH, " distinct:", batch_indices(0).unique().numel())
assert same and not torch.equal(batch_indices(0), batch_indices(1))
# --8<-- [end:exercise_2]
