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
N_TRAIN = 256
X = torch.tensor(digits.images[:N_TRAIN] / 16.0, dtype=torch.float32).unsqueeze(1)
y = torch.tensor(digits.target[:N_TRAIN])
print("training images:", tuple(X.shape), " labels:", tuple(y.shape))
print("images per class: min", int(y.bincount().min()), " max", int(y.bincount().max()))
assert X.shape == (N_TRAIN, 1, 8, 8)
# --8<-- [end:data]


# --8<-- [start:model]
class Block(nn.Module):
    """Two 3x3 convolutions with batch norm; with a shortcut if residual."""

    def __init__(self, c_in, c_out, stride, residual):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.residual, self.stride, self.extra = residual, stride, c_out - c_in

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        if not self.residual:
            return F.relu(out)
        # option A: the identity; where the shape changes, every other pixel and zero channels
        shortcut = F.pad(x[:, :, :: self.stride, :: self.stride], (0, 0, 0, 0, 0, self.extra))
        return F.relu(out + shortcut)


class Net(nn.Module):
    """The paper's CIFAR-10 networks: a 3x3 stem, three stages of n blocks with width, 2 x width
    and 4 x width channels (the second and third halve the image), average pooling, a linear
    layer. depth = 6n + 2 layers with weights."""

    def __init__(self, depth, residual, zero_init=False, width=8, in_channels=1):
        super().__init__()
        n = (depth - 2) // 6
        widths = [width, 2 * width, 4 * width]
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
        )
        blocks, c_in = [], width
        for stage, c_out in enumerate(widths):
            for i in range(n):
                blocks.append(Block(c_in, c_out, 2 if stage > 0 and i == 0 else 1, residual))
                c_in = c_out
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(c_in, 10)
        for m in self.modules():  # the paper's initialisation: He et al. (2015)
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        if zero_init:  # not the paper's: a later refinement, tried in "Results beyond the paper"
            for block in self.blocks:
                nn.init.zeros_(block.bn2.weight)

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)).mean(dim=(2, 3)))


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def layers_with_weights(model):
    return sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in model.modules())


def by_hand(depth, width=8):
    """3x3 convolutions without bias, 2 batch-norm parameters per channel, the linear layer."""
    n, conv_bn = (depth - 2) // 6, lambda c_in, c_out: 9 * c_in * c_out + 2 * c_out
    total = conv_bn(1, width) + (4 * width) * 10 + 10
    for c_in, c_out in [(width, width), (width, 2 * width), (2 * width, 4 * width)]:
        total += conv_bn(c_in, c_out) + (2 * n - 1) * conv_bn(c_out, c_out)
    return total


for name, depth, residual in [
    ("plain-8", 8, False),
    ("plain-20", 20, False),
    ("resnet-20", 20, True),
]:
    model = Net(depth, residual)
    print(f"{name:10s} layers={layers_with_weights(model):2d}  parameters={count_params(model)}")
    assert layers_with_weights(model) == depth and count_params(model) == by_hand(depth)
assert count_params(Net(20, True)) == count_params(Net(20, False)) == 67906  # shortcuts: no weight
assert count_params(Net(8, False)) == 19074
# --8<-- [end:model]

# --8<-- [start:recipe]
LR, MOMENTUM, WEIGHT_DECAY = 0.1, 0.9, 1e-4  # the paper's
BATCH, STEPS = 32, 40  # ours: the paper has 128 and 64,000
SEEDS = [10, 11, 12]  # not used while the recipe was chosen
TOLERANCE = 0.05  # a claim holds if the mean gap is at least this, in the paper's direction
# --8<-- [end:recipe]


# --8<-- [start:train]
def train_error(depth, residual, seed, zero_init=False):
    """Train with the recipe above; return the error on all the training images."""
    torch.manual_seed(seed)
    model = Net(depth, residual, zero_init)
    params = list(model.parameters())
    velocity = [torch.zeros_like(p) for p in params]
    batches = torch.Generator().manual_seed(seed)  # the same mini-batches for every model
    model.train()
    for step in range(STEPS):
        idx = torch.randint(0, N_TRAIN, (BATCH,), generator=batches)
        loss = F.cross_entropy(model(X[idx]), y[idx])
        grads = torch.autograd.grad(loss, params)
        # learning rate divided by 10 at half and at three quarters of the training
        lr = LR * 0.1 ** ((step >= STEPS // 2) + (step >= 3 * STEPS // 4))
        with torch.no_grad():  # SGD with momentum and weight decay, as torch.optim.SGD does it
            for p, g, v in zip(params, grads, velocity, strict=True):
                v.mul_(MOMENTUM).add_(g + WEIGHT_DECAY * p)
                p.sub_(lr * v)
    model.eval()
    with torch.no_grad():
        return (model(X).argmax(1) != y).float().mean().item()


def mean(values):
    return sum(values) / len(values)


errors = {
    "plain-8": [train_error(8, False, seed) for seed in SEEDS],
    "plain-20": [train_error(20, False, seed) for seed in SEEDS],
    "resnet-20": [train_error(20, True, seed) for seed in SEEDS],
}
for name, errs in errors.items():
    each = ", ".join(f"{e:.3f}" for e in errs)
    print(f"{name:10s} training error: seeds {each}; mean {mean(errs):.3f}")
# --8<-- [end:train]

# --8<-- [start:claims]
shallow_left = mean(errors["plain-8"])
claim1 = mean(errors["plain-20"]) - mean(errors["plain-8"])
claim2 = mean(errors["plain-20"]) - mean(errors["resnet-20"])
print(f"plain-8 has converged: its mean error {shallow_left:.3f} is below the tolerance")
print(f"claim 1 (degradation): plain-20 minus plain-8 = {claim1:+.3f}")
print(f"claim 2 (residual fixes it): plain-20 minus resnet-20 = {claim2:+.3f}")
assert shallow_left < TOLERANCE, "plain-8 has not converged: the budget is too small"
assert claim1 >= TOLERANCE, "claim 1 not reproduced"
assert claim2 >= TOLERANCE, "claim 2 not reproduced"
gaps1 = [p20 - p8 for p20, p8 in zip(errors["plain-20"], errors["plain-8"], strict=True)]
gaps2 = [p20 - r20 for p20, r20 in zip(errors["plain-20"], errors["resnet-20"], strict=True)]
assert min(gaps1) >= TOLERANCE and min(gaps2) >= TOLERANCE  # in each seed, not only on average
level = mean(errors["resnet-20"]) - mean(errors["plain-8"])
print(f"resnet-20 minus plain-8 = {level:+.3f}")
assert abs(level) < TOLERANCE  # resnet-20 is level with plain-8, not better
# --8<-- [end:claims]

# --8<-- [start:beyond]
errors["resnet-20, zero-init"] = [train_error(20, True, seed, zero_init=True) for seed in SEEDS]
each = ", ".join(f"{e:.3f}" for e in errors["resnet-20, zero-init"])
zero_gap = mean(errors["resnet-20, zero-init"]) - mean(errors["resnet-20"])
print(f"resnet-20 with zero-init: seeds {each}; mean {mean(errors['resnet-20, zero-init']):.3f}")
print(f"zero-init minus the paper's initialisation = {zero_gap:+.3f}")
assert zero_gap >= TOLERANCE  # at this budget, the zero start trains more slowly
# --8<-- [end:beyond]

# --8<-- [start:budget]
seconds = time.process_time() - start
assert seconds < 10
print("data, models and all twelve runs: under 10 s of CPU time on one thread")
# --8<-- [end:budget]

# --8<-- [start:exercise_1]
paper_nets = {depth: Net(depth, True, width=16, in_channels=3) for depth in (20, 56)}
for depth, net in paper_nets.items():
    print(f"{depth}-layer CIFAR-10 ResNet: {count_params(net)} parameters")
ratio = count_params(paper_nets[20]) / count_params(Net(20, True))
print(f"our 20-layer net: {count_params(Net(20, True))} parameters, {ratio:.1f} times fewer")
assert count_params(paper_nets[20]) == 269722 and count_params(paper_nets[56]) == 853018
# --8<-- [end:exercise_1]


# --8<-- [start:exercise_2]
def batch_indices(seed):
    g = torch.Generator().manual_seed(seed)
    return torch.stack([torch.randint(0, N_TRAIN, (BATCH,), generator=g) for _ in range(STEPS)])


same = torch.equal(batch_indices(10), batch_indices(10))
print("every model sees the same mini-batches:", same)
print("images seen per model:", STEPS * BATCH, " distinct:", batch_indices(10).unique().numel())
assert same and not torch.equal(batch_indices(10), batch_indices(11))
assert STEPS * BATCH == 1280
# --8<-- [end:exercise_2]
