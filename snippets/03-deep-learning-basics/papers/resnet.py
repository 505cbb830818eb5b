# --8<-- [start:setup]
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn

torch.manual_seed(0)
torch.set_num_threads(1)  # one CPU thread, as the build runs every example


def num_params(net):
    return sum(p.numel() for p in net.parameters())


# --8<-- [end:setup]


# --8<-- [start:blocks]
def conv_bn(c_in, c_out, kernel_size, stride=1):
    """A convolution without bias (batch norm has one), then batch norm."""
    conv = nn.Conv2d(c_in, c_out, kernel_size, stride, padding=kernel_size // 2, bias=False)
    return [conv, nn.BatchNorm2d(c_out)]


class ZeroPadShortcut(nn.Module):
    """Option A: the identity, subsampled by the stride, with zero channels appended."""

    def __init__(self, c_out, stride):
        super().__init__()
        self.c_out, self.stride = c_out, stride

    def forward(self, x):
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, 0, self.c_out - x.shape[1]))  # pad the channel axis


def shortcut(c_in, c_out, stride, option):
    if stride == 1 and c_in == c_out:
        return nn.Identity()  # the same shape: the identity, in both options
    if option == "A":
        return ZeroPadShortcut(c_out, stride)  # no parameter
    return nn.Sequential(*conv_bn(c_in, c_out, 1, stride))  # option B: a 1x1 projection


class BasicBlock(nn.Module):
    """Two 3x3 convolutions. Residual: relu(F(x) + shortcut(x)); plain: relu(F(x))."""

    expansion = 1  # output channels = width

    def __init__(self, c_in, width, stride=1, option="B", residual=True):
        super().__init__()
        self.f = nn.Sequential(
            *conv_bn(c_in, width, 3, stride), nn.ReLU(), *conv_bn(width, width, 3)
        )
        self.shortcut = shortcut(c_in, width, stride, option) if residual else None

    def forward(self, x):
        out = self.f(x)
        if self.shortcut is not None:
            out = out + self.shortcut(x)
        return F.relu(out)


class Bottleneck(BasicBlock):
    """1x1 down to `width` channels, 3x3, 1x1 back up to 4 * width: for the deeper networks."""

    expansion = 4

    def __init__(self, c_in, width, stride=1, option="B", residual=True):
        nn.Module.__init__(self)
        self.f = nn.Sequential(
            *conv_bn(c_in, width, 1), nn.ReLU(),
            *conv_bn(width, width, 3, stride), nn.ReLU(),  # torchvision strides here (below)
            *conv_bn(width, 4 * width, 1),
        )  # fmt: skip
        self.shortcut = shortcut(c_in, 4 * width, stride, option) if residual else None


x = torch.randn(1, 64, 56, 56)
for name, block in [
    ("basic, 64 -> 64", BasicBlock(64, 64)),
    ("basic, 64 -> 128, stride 2, option A", BasicBlock(64, 128, 2, option="A")),
    ("basic, 64 -> 128, stride 2, option B", BasicBlock(64, 128, 2, option="B")),
    ("bottleneck, 256 -> 64 -> 256", Bottleneck(256, 64)),
]:
    out = block(torch.randn(1, 256, 56, 56) if name.startswith("bottleneck") else x)
    print(f"{name:<38} {tuple(out.shape)}  {num_params(block):>7,} parameters")
assert num_params(BasicBlock(64, 64)) == 2 * (64 * 64 * 9 + 2 * 64) == 73_984
assert num_params(BasicBlock(64, 128, 2, option="A")) == 221_696  # the shortcut adds nothing
assert num_params(BasicBlock(64, 128, 2, option="B")) == 221_696 + 64 * 128 + 2 * 128 == 230_144
assert num_params(Bottleneck(256, 64)) == 70_400
assert num_params(BasicBlock(256, 256)) == 1_180_672  # two 3x3 convolutions at 256 channels
# --8<-- [end:blocks]


# --8<-- [start:resnet]
class ResNet(nn.Module):
    """A stem, stages of blocks (each stage after the first halves the image with stride 2),
    a global average pooling, and one linear layer."""

    def __init__(self, block, layers, widths, stem, num_classes, option="B", residual=True):
        super().__init__()
        blocks, c_in = [], widths[0]  # the stem puts out widths[0] channels
        for stage, (n, width) in enumerate(zip(layers, widths, strict=True)):
            for i in range(n):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(block(c_in, width, stride, option, residual))
                c_in = width * block.expansion
        self.stem, self.blocks, self.head = (
            stem,
            nn.Sequential(*blocks),
            nn.Linear(c_in, num_classes),
        )
        for m in self.modules():  # He initialisation, as the paper
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)).mean(dim=(2, 3)))


def resnet_imagenet(block, layers):
    """The paper's table 1: a 7x7 stem and a max pooling, then four stages."""
    stem = nn.Sequential(*conv_bn(3, 64, 7, stride=2), nn.ReLU(), nn.MaxPool2d(3, 2, padding=1))
    return ResNet(block, layers, (64, 128, 256, 512), stem, num_classes=1000)


def layers_with_weights(net):
    """Convolutions and linear layers, not counting the projection shortcuts."""
    shortcuts = {id(m) for b in net.blocks if b.shortcut is not None for m in b.shortcut.modules()}
    return sum(
        isinstance(m, (nn.Conv2d, nn.Linear)) and id(m) not in shortcuts for m in net.modules()
    )


with torch.device("meta"):  # shapes only, no memory: counting is instant
    resnet18, resnet50 = (
        resnet_imagenet(BasicBlock, [2, 2, 2, 2]),
        resnet_imagenet(Bottleneck, [3, 4, 6, 3]),
    )
for name, net in [("ResNet-18", resnet18), ("ResNet-50", resnet50)]:
    print(f"{name}: {layers_with_weights(net)} layers with weights, {num_params(net):,} parameters")
assert layers_with_weights(resnet18) == 18 and num_params(resnet18) == 11_689_512
assert layers_with_weights(resnet50) == 50 and num_params(resnet50) == 25_557_032

image = torch.randn(1, 3, 224, 224)
for name, net in [("ResNet-18", resnet_imagenet(BasicBlock, [2, 2, 2, 2])),
                  ("ResNet-50", resnet_imagenet(Bottleneck, [3, 4, 6, 3]))]:  # fmt: skip
    net.eval()
    with torch.no_grad():
        start = time.process_time()  # CPU time: other programs running do not count
        y_hat = net(image)
        seconds = time.process_time() - start
    print(f"{name}: one 224x224 image -> {tuple(y_hat.shape)}, "
          f"forward pass on one thread: {seconds:.3f} s")  # fmt: skip
    assert y_hat.shape == (1, 1000)
# --8<-- [end:resnet]


# --8<-- [start:cifar]
def resnet_cifar(n, widths=(16, 32, 64), in_channels=3, residual=True):
    """The paper's CIFAR-10 networks: a 3x3 stem, three stages of n blocks, option A shortcuts:
    6n + 2 layers with weights. residual=False gives the "plain" network of the same shape."""
    stem = nn.Sequential(*conv_bn(in_channels, widths[0], 3), nn.ReLU())
    return ResNet(BasicBlock, [n, n, n], widths, stem, 10, option="A", residual=residual)


with torch.device("meta"):
    for n in (3, 9, 18):
        net = resnet_cifar(n)
        print(f"{6 * n + 2}-layer CIFAR-10 ResNet: {num_params(net):,} parameters")
        assert layers_with_weights(net) == 6 * n + 2
    assert num_params(resnet_cifar(3)) == num_params(resnet_cifar(3, residual=False)) == 269_722
    assert num_params(resnet_cifar(9)) == 853_018 and num_params(resnet_cifar(18)) == 1_727_962
    assert [6 * n + 2 for n in (1, 3, 9, 18)] == [8, 20, 56, 110]
# --8<-- [end:cifar]

# --8<-- [start:data]
N_TRAIN = 256
digits = load_digits()
X = torch.tensor(digits.images[:N_TRAIN] / 16.0, dtype=torch.float32).unsqueeze(1)
y = torch.tensor(digits.target[:N_TRAIN])
print(f"training images {tuple(X.shape)}")
assert X.shape == (256, 1, 8, 8)
# --8<-- [end:data]

# --8<-- [start:train]
WIDTHS = (8, 16, 32)  # half the paper's 16, 32, 64
STEPS, BATCH, LR = 40, 32, 0.1


def train(net, seed=0):
    """The paper's recipe, shortened: SGD, momentum 0.9, weight decay 0.0001, learning rate 0.1
    divided by 10 at half and three quarters of the steps. Returns the error on each batch."""
    optimizer = torch.optim.SGD(net.parameters(), lr=LR, momentum=0.9, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.MultiStepLR(optimizer, [STEPS // 2, 3 * STEPS // 4], 0.1)
    batches = torch.Generator().manual_seed(seed)  # every net sees the same batches in order
    batch_errors = []
    net.train()
    for _ in range(STEPS):
        idx = torch.randint(0, N_TRAIN, (BATCH,), generator=batches)
        y_hat = net(X[idx])
        loss = F.cross_entropy(y_hat, y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        batch_errors.append((y_hat.argmax(dim=1) != y[idx]).float().mean().item())
    return batch_errors


def training_error(net):
    net.eval()
    with torch.no_grad():
        return (net(X).argmax(dim=1) != y).float().mean().item()


# --8<-- [end:train]

# --8<-- [start:degradation]
curves, train_error = {}, {}
for name, n, residual in [("plain-8", 1, False), ("plain-20", 3, False), ("resnet-20", 3, True)]:
    torch.manual_seed(0)
    net = resnet_cifar(n, WIDTHS, in_channels=1, residual=residual)
    curves[name] = train(net)
    train_error[name] = training_error(net)
    print(f"{name:<9} {num_params(net):>6,} parameters: training error {train_error[name]:.3f}")
assert num_params(net) == 67_906 and num_params(resnet_cifar(1, WIDTHS, 1)) == 19_074
assert train_error["plain-8"] < 0.05  # the shallow net has converged
assert train_error["plain-20"] > train_error["plain-8"] + 0.1  # deeper, and worse
assert 0.15 < train_error["plain-20"] < 0.45  # what the machines we tried gave
assert train_error["resnet-20"] < train_error["plain-20"] - 0.1 and train_error["resnet-20"] < 0.1
# --8<-- [end:degradation]

# --8<-- [start:figure]
window = 10  # average the batch errors over 10 steps to see the trend
fig, ax = plt.subplots(figsize=(6, 3.2))
for name, curve in curves.items():
    smooth = torch.tensor(curve).unfold(0, window, 1).mean(dim=1)
    ax.plot(range(window, STEPS + 1), 100 * smooth, label=name)
ax.set(xlabel="training step", ylabel="training error (%)", ylim=(0, 100))
ax.legend()
plt.show()
# --8<-- [end:figure]

# --8<-- [start:exercise_1]
torch.manual_seed(0)
resnet_20_zero = resnet_cifar(3, WIDTHS, in_channels=1)
for block in resnet_20_zero.blocks:
    nn.init.zeros_(block.f[-1].weight)  # the last batch norm's scale: 0 instead of 1
with torch.no_grad():
    resnet_20_zero.eval()
    h, passes_through = resnet_20_zero.stem(X), True
    for block in resnet_20_zero.blocks:  # each block's output is exactly its shortcut's
        out = block(h)
        passes_through = passes_through and torch.equal(out, block.shortcut(h))
        h = out
print(f"untrained, every block outputs exactly its shortcut's output: {passes_through}")
assert passes_through
train(resnet_20_zero)
zero_error = training_error(resnet_20_zero)
print(f"resnet-20, last batch norm of each block starting at 0: training error {zero_error:.3f}")
assert zero_error > train_error["resnet-20"] + 0.1
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
with torch.device("meta"):
    option_a, option_b = resnet_cifar(3), resnet_cifar(3)
    option_b.blocks = nn.Sequential(*[  # the same blocks, with option B shortcuts
        BasicBlock(b.f[0].in_channels, b.f[0].out_channels, b.f[0].stride[0], option="B")
        for b in option_a.blocks
    ])  # fmt: skip
extra = num_params(option_b) - num_params(option_a)
print(f"ResNet-20 with option A: {num_params(option_a):,}, with option B: {num_params(option_b):,}")
print(f"the two projections add {extra:,} parameters")
assert extra == (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64) == 2_752
assert num_params(option_b) == 272_474
# --8<-- [end:exercise_2]
