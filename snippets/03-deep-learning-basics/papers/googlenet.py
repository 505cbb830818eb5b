# --8<-- [start:setup]
import matplotlib.pyplot as plt
import torch
from torch import nn

torch.manual_seed(0)


def count_params(module):
    return sum(p.numel() for p in module.parameters())


# --8<-- [end:setup]


# --8<-- [start:inception]
class Inception(nn.Module):
    """Four branches side by side; their outputs are stacked along the channel axis."""

    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.branch1 = nn.Sequential(nn.Conv2d(c_in, c1, 1), nn.ReLU())
        self.branch3 = nn.Sequential(
            nn.Conv2d(c_in, c3_reduce, 1), nn.ReLU(),  # the 1x1 reduction
            nn.Conv2d(c3_reduce, c3, 3, padding=1), nn.ReLU(),
        )  # fmt: skip
        self.branch5 = nn.Sequential(
            nn.Conv2d(c_in, c5_reduce, 1), nn.ReLU(),
            nn.Conv2d(c5_reduce, c5, 5, padding=2), nn.ReLU(),
        )  # fmt: skip
        self.branch_pool = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1), nn.Conv2d(c_in, pool_proj, 1), nn.ReLU()
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
# --8<-- [end:inception_3a]

# --8<-- [start:compare]
plain = nn.Conv2d(192, 256, 3, padding=1)  # one 3 x 3 layer, same input, same output shape
naive = nn.ModuleList(  # Inception without the 1 x 1 reductions (the paper's figure 2a)
    [nn.Conv2d(192, 64, 1), nn.Conv2d(192, 128, 3, padding=1), nn.Conv2d(192, 32, 5, padding=2)]
)
n_inception, n_plain, n_naive = count_params(inception_3a), count_params(plain), count_params(naive)
print(f"plain 3x3 conv, 256 channels out:     {n_plain:>7,} parameters")
print(f"naive Inception, no 1x1 reductions:   {n_naive:>7,} parameters, 416 channels out")
print(f"Inception with 1x1 bottlenecks:       {n_inception:>7,} parameters")
print(f"ratio Inception / plain: {n_inception / n_plain:.2f}")
assert (n_inception, n_plain, n_naive) == (163_696, 442_624, 387_296)
assert n_inception < 0.4 * n_plain
n_weights = sum(p.numel() for name, p in inception_3a.named_parameters() if "weight" in name)
print(f"weights alone, no biases: {n_weights:,} = {n_weights / 1024:.1f} K (K = 1024)")
assert n_weights == 163_328
# --8<-- [end:compare]


# --8<-- [start:mult_adds]
def conv_mult_adds(conv, height, width):
    """Multiplications of one convolution that keeps the height and width (biases left out)."""
    return height * width * conv.out_channels * conv.in_channels * conv.kernel_size[0] ** 2


convs = [m for m in inception_3a.modules() if isinstance(m, nn.Conv2d)]
ops_inception = sum(conv_mult_adds(conv, 28, 28) for conv in convs)
ops_plain = conv_mult_adds(plain, 28, 28)
print(f"multiply-adds: Inception {ops_inception / 1e6:.0f} M, plain 3x3 {ops_plain / 1e6:.0f} M")
assert ops_inception < 0.4 * ops_plain
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
print(
    f"1x1 to 16 channels, then 5x5:   {n_branch5:,} parameters ({n_direct / n_branch5:.1f} x fewer)"
)
assert n_direct > 9 * n_branch5
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
