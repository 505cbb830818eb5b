# --8<-- [start:setup]
import time

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

torch.manual_seed(0)
torch.set_num_threads(1)  # one CPU thread, as the build runs every example
# --8<-- [end:setup]


# --8<-- [start:receptive_field]
def field(net, size=11):
    """The input pixels that the centre output pixel depends on: where its gradient is not 0."""
    x = torch.rand(1, 1, size, size, requires_grad=True)  # positive inputs
    out = net(x)
    out[0, 0, out.shape[-2] // 2, out.shape[-1] // 2].backward()
    return x.grad[0, 0] != 0


def positive_conv(kernel_size):
    conv = nn.Conv2d(1, 1, kernel_size, padding=kernel_size // 2)
    nn.init.uniform_(conv.weight, 0.1, 1.0)  # positive weights: no gradient cancels by chance
    nn.init.zeros_(conv.bias)  # no bias, so with positive inputs every ReLU is active
    return conv


two_3x3 = nn.Sequential(positive_conv(3), nn.ReLU(), positive_conv(3))
one_5x5 = positive_conv(5)
seen_two, seen_one = field(two_3x3), field(one_5x5)
rows, cols = seen_two.nonzero().unbind(dim=1)
print(f"two 3x3 layers: {seen_two.sum()} input pixels, rows {rows.min()}-{rows.max()}, "
      f"columns {cols.min()}-{cols.max()}")  # fmt: skip
print(f"one 5x5 layer:  {seen_one.sum()} input pixels")
print(f"the same pixels: {torch.equal(seen_two, seen_one)}")
assert seen_two.sum() == 25 and rows.max() - rows.min() == 4 and cols.max() - cols.min() == 4
assert torch.equal(seen_two, seen_one)
# --8<-- [end:receptive_field]

# --8<-- [start:field_figure]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6, 3))
ax1.imshow(seen_two, cmap="Blues")
ax1.set(title="two 3×3 convolutions", xticks=[], yticks=[])
ax2.imshow(seen_one, cmap="Blues")
ax2.set(title="one 5×5 convolution", xticks=[], yticks=[])
plt.show()
# --8<-- [end:field_figure]


# --8<-- [start:parameters]
def num_params(net):
    return sum(p.numel() for p in net.parameters())


C = 64
stacked = nn.Sequential(nn.Conv2d(C, C, 3, padding=1), nn.ReLU(), nn.Conv2d(C, C, 3, padding=1))
single = nn.Conv2d(C, C, 5, padding=2)
print(f"{C} channels: two 3x3 layers {num_params(stacked):,} parameters, "
      f"one 5x5 layer {num_params(single):,}")  # fmt: skip
print(f"ratio {num_params(stacked) / num_params(single):.2f}")
assert num_params(stacked) == 2 * (3 * 3 * C * C + C) == 73_856
assert num_params(single) == 5 * 5 * C * C + C == 102_464
assert round(num_params(stacked) / num_params(single), 2) == 0.72
x = torch.zeros(1, C, 16, 16)
assert stacked(x).shape == single(x).shape == (1, C, 16, 16)
# --8<-- [end:parameters]

# --8<-- [start:vgg16]
VGG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


class VGG(nn.Module):
    """The paper's design: 3x3 convolutions and 2x2 max poolings as `cfg` lists them ("M" is a
    pooling), then three fully connected layers with dropout after the first two."""

    def __init__(self, cfg, in_channels=3, num_classes=1000, hidden=4096, pooled=7):
        super().__init__()
        layers = []
        for v in cfg:
            if v == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                layers += [nn.Conv2d(in_channels, v, 3, padding=1), nn.ReLU()]
                in_channels = v
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(pooled)  # a no-op on a 224 x 224 image: already 7 x 7
        self.classifier = nn.Sequential(
            nn.Linear(in_channels * pooled * pooled, hidden), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(hidden, num_classes),
        )  # fmt: skip

    def forward(self, x):
        return self.classifier(self.pool(self.features(x)).flatten(1))


def cpu_time_of_forward(net, x):
    """One forward pass: the output and the CPU time it took, in seconds."""
    net.eval()
    with torch.no_grad():
        start = time.process_time()  # CPU time: other programs running do not count
        y_hat = net(x)
        seconds = time.process_time() - start
    return y_hat, seconds


with torch.device("meta"):  # shapes only, no memory: building and counting are instant
    vgg16 = VGG(VGG16)
n_layers = sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in vgg16.modules())
print(f"VGG-16: {n_layers} layers with weights, {num_params(vgg16):,} parameters")
assert n_layers == 16 and num_params(vgg16) == 138_357_544  # torchvision's documented num_params
vgg16 = vgg16.to_empty(device="cpu")  # 0.55 GB of memory, values not set
for p in vgg16.parameters():
    p.detach().zero_()  # the time does not depend on the values; zeros are quick to write
y_hat, seconds = cpu_time_of_forward(vgg16, torch.randn(1, 3, 224, 224))
print(f"one 224x224 image -> {tuple(y_hat.shape)}, forward pass on one thread: {seconds:.2f} s")
assert y_hat.shape == (1, 1000)
del vgg16  # free the memory
# --8<-- [end:vgg16]

# --8<-- [start:data]
digits = load_digits()
X = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)  # (1797, 1, 8, 8)
y = torch.tensor(digits.target)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)
print(f"train {tuple(X_train.shape)}, test {tuple(X_test.shape)}")
assert X_train.shape == (1347, 1, 8, 8) and X_test.shape == (450, 1, 8, 8)
# --8<-- [end:data]


# --8<-- [start:mini_vgg]
torch.manual_seed(0)
small_cfg = [v if v == "M" else v // 4 for v in VGG16[:6]]  # VGG-16's first two blocks, 1/4 wide
net = VGG(small_cfg, in_channels=1, num_classes=10, hidden=4096 // 32, pooled=2)
print("configuration:", small_cfg)
h = X_train[:1]
for layer in [*net.features, net.pool, nn.Flatten(), *net.classifier]:
    h = layer(h)
    if not isinstance(layer, (nn.ReLU, nn.Dropout)):
        print(f"{type(layer).__name__:<17} -> {tuple(h.shape)}")
print(f"{num_params(net):,} parameters")
assert small_cfg == [16, 16, "M", 32, 32, "M"] and num_params(net) == 50_682
# --8<-- [end:mini_vgg]

# --8<-- [start:train]
optimizer = torch.optim.Adam(net.parameters(), lr=0.003)
num_epochs, batch_size = 12, 64
for _ in range(num_epochs):
    net.train()  # dropout on
    for batch in torch.randperm(len(X_train)).split(batch_size):
        loss = nn.functional.cross_entropy(net(X_train[batch]), y_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
net.eval()  # dropout off
with torch.no_grad():
    test_acc = (net(X_test).argmax(dim=1) == y_test).float().mean().item()
print(f"test accuracy {test_acc:.3f}")
assert test_acc > 0.93
# --8<-- [end:train]

# --8<-- [start:exercise_1]
three_3x3 = nn.Sequential(
    positive_conv(3), nn.ReLU(), positive_conv(3), nn.ReLU(), positive_conv(3)
)
seen_three = field(three_3x3)
rows, cols = seen_three.nonzero().unbind(dim=1)
print(f"three 3x3 layers: {seen_three.sum()} pixels, a {rows.max() - rows.min() + 1}x"
      f"{cols.max() - cols.min() + 1} square")  # fmt: skip
assert seen_three.sum() == 49 and rows.max() - rows.min() == 6 and cols.max() - cols.min() == 6
three = nn.Sequential(*[nn.Conv2d(C, C, 3, padding=1) for _ in range(3)])
seven = nn.Conv2d(C, C, 7, padding=3)
print(f"{C} channels: three 3x3 {num_params(three):,} parameters; one 7x7 {num_params(seven):,}")
assert num_params(three) == 3 * (9 * C * C + C) == 110_784
assert num_params(seven) == 49 * C * C + C == 200_768
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
with torch.device("meta"):  # shapes only: no memory, no time
    vgg16 = VGG(VGG16)
total = num_params(vgg16)
fully_connected = num_params(vgg16.classifier)
first = num_params(vgg16.classifier[0])
print(f"fully connected: {fully_connected / total:.1%} of the parameters, "
      f"the first of them alone {first / total:.1%}")  # fmt: skip
assert first == 512 * 7 * 7 * 4096 + 4096 == 102_764_544
assert 0.89 < fully_connected / total < 0.9 and first / total > 0.5
size, c_in, conv_mult_adds = 224, 3, 0  # multiply-adds for one 224 x 224 image
for v in VGG16:
    if v == "M":
        size //= 2  # a pooling halves the image
    else:
        conv_mult_adds += size * size * v * c_in * 3 * 3  # each output: c_in x 3 x 3 products
        c_in = v
fc_mult_adds = sum(m.weight.numel() for m in vgg16.classifier if isinstance(m, nn.Linear))
total_mult_adds = conv_mult_adds + fc_mult_adds
print(f"multiply-adds for one 224x224 image: {total_mult_adds / 1e9:.2f} billion, "
      f"{fc_mult_adds / total_mult_adds:.1%} of them in the classifier")  # fmt: skip
assert round(total_mult_adds / 1e9, 2) == 15.47 and fc_mult_adds / total_mult_adds < 0.01
# --8<-- [end:exercise_2]
