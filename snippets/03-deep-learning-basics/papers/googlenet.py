# --8<-- [start:setup]
import time

import matplotlib.pyplot as plt
import torch
from torch import nn

torch.manual_seed(0)
torch.set_num_threads(1)  # one CPU thread, as the build runs every example


def count_params(module):
    return sum(p.numel() for p in module.parameters())


# --8<-- [end:setup]


# --8<-- [start:inception]
def conv_relu(c_in, c_out, kernel_size, **kwargs):
    """The paper's convolution: with a bias, then ReLU."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel_size, **kwargs), nn.ReLU())


class Inception(nn.Module):
    """Four branches side by side; their outputs are stacked along the channel axis."""

    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj, conv=conv_relu, k5=5):
        super().__init__()
        self.branch1 = conv(c_in, c1, 1)
        self.branch3 = nn.Sequential(
            conv(c_in, c3_reduce, 1),  # the 1x1 reduction
            conv(c3_reduce, c3, 3, padding=1),
        )
        self.branch5 = nn.Sequential(
            conv(c_in, c5_reduce, 1),
            conv(c5_reduce, c5, k5, padding=k5 // 2),  # k5 = 5: the paper's 5x5 convolution
        )
        self.branch_pool = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True), conv(c_in, pool_proj, 1)
        )

    def forward(self, x):
        branches = [self.branch1, self.branch3, self.branch5, self.branch_pool]
        return torch.cat([branch(x) for branch in branches], dim=1)


# --8<-- [end:inception]

# --8<-- [start:inception_3a]
inception_3a = Inception(192, 64, 96, 128, 16, 32, 32)  # the paper's "inception (3a)" row
X = torch.randn(1, 192, 28, 28)  # one 28 x 28 feature map with 192 channels
out = inception_3a(X)
print("input ", tuple(X.shape))
print("output", tuple(out.shape))
assert out.shape == (1, 64 + 128 + 32 + 32, 28, 28) == (1, 256, 28, 28)
for name, branch in inception_3a.named_children():
    print(f"{name:<12} {count_params(branch):>7,} parameters")
n_branch3, n_branch5 = count_params(inception_3a.branch3), count_params(inception_3a.branch5)
print(f"3x3 branch / 5x5 branch: {n_branch3 / n_branch5:.2f}")
assert (n_branch3, n_branch5) == (129_248, 15_920) and round(n_branch3 / n_branch5) == 8
assert n_branch3 > count_params(inception_3a) / 2  # the 3x3 branch holds most of the parameters
# --8<-- [end:inception_3a]

# --8<-- [start:compare]
plain = nn.Conv2d(192, 256, 3, padding=1)  # one 3 x 3 layer, same input, same output shape
naive = nn.ModuleList(  # Inception without the 1 x 1 reductions (the paper's figure 2a)
    [nn.Conv2d(192, 64, 1), nn.Conv2d(192, 128, 3, padding=1), nn.Conv2d(192, 32, 5, padding=2)]
)
naive_channels = 64 + 128 + 32 + 192  # the pooling branch passes all 192 input channels on
n_inception, n_plain, n_naive = count_params(inception_3a), count_params(plain), count_params(naive)
print(f"plain 3x3 conv, 256 channels out:  {n_plain:>7,} parameters")
print(f"naive Inception, {naive_channels} channels out: {n_naive:>7,} parameters")
print(f"Inception with 1x1 bottlenecks:    {n_inception:>7,} parameters")
print(f"ratio Inception / plain: {n_inception / n_plain:.2f}")
assert (n_inception, n_plain, n_naive, naive_channels) == (163_696, 442_624, 387_296, 416)
assert round(n_inception / n_plain, 2) == 0.37
n_weights = sum(p.numel() for name, p in inception_3a.named_parameters() if "weight" in name)
print(f"weights alone, no biases: {n_weights:,} = {n_weights / 1024:.1f} K (K = 1024)")
assert n_weights == 163_328 and round(n_weights / 1024, 1) == 159.5
# --8<-- [end:compare]


# --8<-- [start:mult_adds]
def conv_mult_adds(conv, height, width):
    """Multiplications of one convolution that keeps the height and width (biases left out)."""
    return height * width * conv.out_channels * conv.in_channels * conv.kernel_size[0] ** 2


convs = [m for m in inception_3a.modules() if isinstance(m, nn.Conv2d)]
ops_inception = sum(conv_mult_adds(conv, 28, 28) for conv in convs)
ops_plain = conv_mult_adds(plain, 28, 28)
print(f"multiply-adds: Inception {ops_inception / 1e6:.0f} M, plain 3x3 {ops_plain / 1e6:.0f} M")
assert (round(ops_inception / 1e6), round(ops_plain / 1e6)) == (128, 347)
# --8<-- [end:mult_adds]

# --8<-- [start:figure]
branches = [  # (label, parameters) from the bottom of each branch to its top
    [("1x1 conv, 64", 192 * 64 + 64)],
    [("1x1 conv, 96", 192 * 96 + 96), ("3x3 conv, 128", 96 * 128 * 9 + 128)],
    [("1x1 conv, 16", 192 * 16 + 16), ("5x5 conv, 32", 16 * 32 * 25 + 32)],
    [("3x3 max pool", 0), ("1x1 conv, 32", 192 * 32 + 32)],
]
assert sum(n for branch in branches for _, n in branch) == n_inception
fig, ax = plt.subplots(figsize=(7, 3.6))
box = dict(boxstyle="round", facecolor="none", edgecolor="C0")
ax.text(1.5, 0, "previous layer: 192 channels, 28 x 28", ha="center", va="center", bbox=box)
ax.text(1.5, 3, "concatenate: 64+128+32+32 = 256 channels", ha="center", va="center", bbox=box)
for i, branch in enumerate(branches):
    for level, (label, n) in enumerate(branch):
        y = 1 if len(branch) == 2 and level == 0 else 2
        color = "C1" if label.startswith("1x1") else "C0"
        style = dict(boxstyle="round", facecolor="none", edgecolor=color)
        ax.text(i, y, f"{label}\n{n:,} params", ha="center", va="center", bbox=style)
    ax.annotate("", (i, 2.7), (i, 2.25), arrowprops=dict(arrowstyle="->"))
    ax.annotate(
        "", (i, 0.75 if len(branch) == 2 else 1.75), (i, 0.25), arrowprops=dict(arrowstyle="->")
    )
    if len(branch) == 2:
        ax.annotate("", (i, 1.75), (i, 1.25), arrowprops=dict(arrowstyle="->"))
ax.set(xlim=(-0.6, 3.6), ylim=(-0.4, 3.4))
ax.axis("off")
plt.show()
# --8<-- [end:figure]

# --8<-- [start:googlenet]
ROWS = {  # the paper's table 1: c_in, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj
    "3a": (192, 64, 96, 128, 16, 32, 32), "3b": (256, 128, 128, 192, 32, 96, 64),
    "4a": (480, 192, 96, 208, 16, 48, 64), "4b": (512, 160, 112, 224, 24, 64, 64),
    "4c": (512, 128, 128, 256, 24, 64, 64), "4d": (512, 112, 144, 288, 32, 64, 64),
    "4e": (528, 256, 160, 320, 32, 128, 128),
    "5a": (832, 256, 160, 320, 32, 128, 128), "5b": (832, 384, 192, 384, 48, 128, 128),
}  # fmt: skip


def googlenet(conv=conv_relu, k5=5, dropout=0.4, last_pool=3):
    """The whole network, without the two auxiliary classifiers used only in training."""

    def inception(name):
        return Inception(*ROWS[name], conv=conv, k5=k5)

    def pool():
        return nn.MaxPool2d(3, stride=2, ceil_mode=True)

    return nn.Sequential(
        conv(3, 64, 7, stride=2, padding=3), pool(),  # 224 -> 112 -> 56
        conv(64, 64, 1), conv(64, 192, 3, padding=1), pool(),  # -> 28
        inception("3a"), inception("3b"), pool(),  # -> 14
        *[inception(name) for name in ("4a", "4b", "4c", "4d", "4e")],
        nn.MaxPool2d(last_pool, stride=2, ceil_mode=True),  # -> 7; the paper's is 3x3
        inception("5a"), inception("5b"),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(1024, 1000),
    )  # fmt: skip


def conv_bn_relu(c_in, c_out, kernel_size, **kwargs):
    """torchvision's convolution (its BasicConv2d): no bias, batch norm, then ReLU."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size, bias=False, **kwargs),
        nn.BatchNorm2d(c_out, eps=0.001),
        nn.ReLU(),
    )


paper_net = googlenet()
torchvision_net = googlenet(conv_bn_relu, k5=3, dropout=0.2, last_pool=2)
n_paper, n_torchvision = count_params(paper_net), count_params(torchvision_net)
print(f"GoogLeNet as in the paper:   {n_paper:,} parameters")
print(f"GoogLeNet as in torchvision: {n_torchvision:,} parameters")
assert n_paper == 6_998_552
assert n_torchvision == 6_624_904  # torchvision's documented num_params
with torch.no_grad():  # the paper's 3x3 last pooling also leaves a 7 x 7 map for (5a) and (5b)
    assert paper_net[:-4](torch.zeros(1, 3, 224, 224)).shape == (1, 1024, 7, 7)

torchvision_net.eval()
h, sizes = torch.randn(1, 3, 224, 224), [224]  # one random 224 x 224 colour image
with torch.no_grad():
    start = time.process_time()  # CPU time: other programs running do not count
    for layer in torchvision_net:
        h = layer(h)
        if h.dim() == 4 and h.shape[-1] != sizes[-1]:
            sizes.append(h.shape[-1])  # the image size, each time it changes
    seconds = time.process_time() - start
print("image size after each change:", sizes)
print(f"output {tuple(h.shape)}, forward pass on one thread: {seconds:.2f} s")
assert sizes == [224, 112, 56, 28, 14, 7, 1] and h.shape == (1, 1000)
# --8<-- [end:googlenet]

# --8<-- [start:exercise_1]
inception_4a = Inception(480, 192, 96, 208, 16, 48, 64)  # the paper's "inception (4a)" row
X_4a = torch.randn(1, 480, 14, 14)
out_4a = inception_4a(X_4a)
plain_4a = nn.Conv2d(480, out_4a.shape[1], 3, padding=1)
ratio_4a = count_params(inception_4a) / count_params(plain_4a)
print(f"output {tuple(out_4a.shape)}")
print(f"Inception {count_params(inception_4a):,} vs plain 3x3 {count_params(plain_4a):,}")
print(f"ratio {ratio_4a:.2f}")
assert out_4a.shape == (1, 512, 14, 14) and ratio_4a < 0.2
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
direct_5x5 = nn.Conv2d(192, 32, 5, padding=2)
n_direct, n_branch5 = count_params(direct_5x5), count_params(inception_3a.branch5)
print(f"5x5 straight from 192 channels: {n_direct:,} parameters")
print(f"1x1 to 16 channels, then 5x5:   {n_branch5:,} parameters")
print(f"{n_direct / n_branch5:.1f} times fewer")
assert n_direct == 153_632 and 9.5 < n_direct / n_branch5 < 10
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
conv1x1 = nn.Conv2d(192, 64, 1)
linear = nn.Linear(192, 64)
with torch.no_grad():
    linear.weight.copy_(conv1x1.weight.view(64, 192))
    linear.bias.copy_(conv1x1.bias)
X_small = torch.randn(2, 192, 5, 5)
by_conv = conv1x1(X_small)  # (2, 64, 5, 5)
by_linear = linear(X_small.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # channels last, then back
torch.testing.assert_close(by_conv, by_linear)
print("1x1 convolution == the same Linear layer at every pixel:", tuple(by_conv.shape))
# --8<-- [end:exercise_3]
