# --8<-- [start:setup]
import torch
from torch import nn

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"
# --8<-- [end:setup]

# --8<-- [start:linear_layer]
layer = nn.Linear(64, 10)  # 64 inputs, 10 outputs
X = torch.randn(5, 64)  # a batch of 5 examples
y_hat = layer(X)
print("weight", tuple(layer.weight.shape), " bias", tuple(layer.bias.shape))
print("output", tuple(y_hat.shape))
print(
    "weight is a", type(layer.weight).__name__, "with requires_grad =", layer.weight.requires_grad
)
assert layer.weight.shape == (10, 64) and layer.bias.shape == (10,)
assert torch.allclose(y_hat, X @ layer.weight.T + layer.bias, atol=1e-6)
# --8<-- [end:linear_layer]


# --8<-- [start:custom_module]
class MLP(nn.Module):
    def __init__(self, num_inputs, num_hidden, num_outputs, dropout=0.2):
        super().__init__()
        self.hidden = nn.Linear(num_inputs, num_hidden)
        self.norm = nn.BatchNorm1d(num_hidden)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(num_hidden, num_outputs)

    def forward(self, X):
        h = torch.relu(self.norm(self.hidden(X)))
        return self.out(self.drop(h))


net = MLP(64, 32, 10).to(device)
print(net)
y_hat = net(X.to(device))  # calls forward, plus PyTorch's bookkeeping
print("output", tuple(y_hat.shape))
assert y_hat.shape == (5, 10)
# --8<-- [end:custom_module]

# --8<-- [start:parameters_and_buffers]
print("parameters (learned by gradient descent):")
for name, p in net.named_parameters():
    print(f"  {name:14} {tuple(p.shape)}")
print("buffers (state that is not learned):")
for name, buf in net.named_buffers():
    print(f"  {name:24} {tuple(buf.shape)}")
assert [name for name, _ in net.named_buffers()] == [
    "norm.running_mean",
    "norm.running_var",
    "norm.num_batches_tracked",
]
# --8<-- [end:parameters_and_buffers]

# --8<-- [start:counting]
num_params = sum(p.numel() for p in net.parameters())
by_hand = (64 * 32 + 32) + (32 + 32) + (32 * 10 + 10)  # hidden, norm, out
num_trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
print(f"parameters: {num_params}  by hand: {by_hand}  trainable: {num_trainable}")
assert num_params == by_hand == num_trainable == 2474
# --8<-- [end:counting]

# --8<-- [start:state_dict]
state = net.state_dict()
print(list(state))
assert len(state) == 9  # 6 parameters + 3 buffers

twin = MLP(64, 32, 10).to(device)  # fresh random weights
print(twin.load_state_dict(state))
net.eval()
twin.eval()
assert torch.equal(twin(X.to(device)), net(X.to(device)))
assert state["hidden.weight"].data_ptr() == net.hidden.weight.data_ptr()  # not a copy
# --8<-- [end:state_dict]

# --8<-- [start:dropout]
drop = nn.Dropout(p=0.5)
print("train:", drop(torch.ones(8)))
x = torch.ones(10_000)
out = drop(x)
print(f"train: share of zeros {(out == 0).float().mean():.4f}, mean {out.mean():.4f}")
assert set(out.unique().tolist()) == {0.0, 2.0}  # survivors are scaled by 1 / (1 - p)
assert 0.48 < (out == 0).float().mean() < 0.52

drop.eval()
print("eval: ", drop(torch.ones(8)))
assert torch.equal(drop(x), x)  # in eval mode dropout does nothing
# --8<-- [end:dropout]


# --8<-- [start:batch_norm]
def show(t):
    return [round(v, 2) + 0.0 for v in t.tolist()]  # + 0.0 turns -0.0 into 0.0


bn = nn.BatchNorm1d(3)  # 3 features
batch = 2 * torch.randn(16, 3) + 5  # features with mean about 5, std about 2
print("batch:  mean", show(batch.mean(dim=0)), " std", show(batch.std(dim=0, correction=0)))
out = bn(batch)  # a new module is in training mode
print("train:  mean", show(out.mean(dim=0)), " std", show(out.std(dim=0, correction=0)))
print("        running_mean", show(bn.running_mean))
assert torch.allclose(out.mean(dim=0), torch.zeros(3), atol=1e-5, rtol=0)
assert torch.allclose(out.std(dim=0, correction=0), torch.ones(3), atol=1e-3, rtol=0)
assert torch.allclose(bn.running_mean, 0.9 * 0 + 0.1 * batch.mean(dim=0), atol=1e-6)
assert torch.allclose(bn.running_var, 0.9 * 1 + 0.1 * batch.var(dim=0), atol=1e-6)

bn.eval()
before = bn.running_mean.clone()
out = bn(batch)
print("eval:   mean", show(out.mean(dim=0)), " std", show(out.std(dim=0, correction=0)))
expected = (batch - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps)
assert torch.allclose(out, expected * bn.weight + bn.bias, atol=1e-6)  # running statistics used
assert torch.equal(bn.running_mean, before)  # and not updated
assert (out.mean(dim=0) > 1).all()  # far from standardised after one batch
# --8<-- [end:batch_norm]

# --8<-- [start:batch_norm_2d]
images = 3 * torch.randn(8, 4, 6, 6) + 2  # N=8 images, C=4 channels, 6x6 pixels
conv = nn.Conv2d(4, 5, kernel_size=3, padding=1)  # 5 output channels, with a bias
bn2d = nn.BatchNorm2d(5)
print(
    "gamma (weight) shape", tuple(bn2d.weight.shape), " beta (bias) shape", tuple(bn2d.bias.shape)
)
out = bn2d(conv(images))
print("per-channel mean", show(out.mean(dim=(0, 2, 3))))
print("per-channel std ", show(out.std(dim=(0, 2, 3), correction=0)))
assert torch.allclose(out.mean(dim=(0, 2, 3)), torch.zeros(5), atol=1e-5, rtol=0)
assert torch.allclose(out.std(dim=(0, 2, 3), correction=0), torch.ones(5), atol=1e-3, rtol=0)

conv_no_bias = nn.Conv2d(4, 5, kernel_size=3, padding=1, bias=False)
with torch.no_grad():
    conv_no_bias.weight.copy_(conv.weight)  # the same weights, no bias
out_no_bias = nn.BatchNorm2d(5)(conv_no_bias(images))
difference = (out - out_no_bias).abs().max().item()
print(f"largest difference with and without the conv's bias: {difference:.1e}")
assert torch.allclose(out, out_no_bias, atol=1e-5, rtol=0)

with torch.no_grad():  # values training could reach
    bn2d.weight.fill_(2.0)
    bn2d.bias.fill_(0.5)
out = bn2d(conv(images))
print("gamma=2, beta=0.5: mean", show(out.mean(dim=(0, 2, 3))))
print("                   std ", show(out.std(dim=(0, 2, 3), correction=0)))
assert torch.allclose(out.mean(dim=(0, 2, 3)), torch.full((5,), 0.5), atol=1e-5, rtol=0)
assert torch.allclose(out.std(dim=(0, 2, 3), correction=0), torch.full((5,), 2.0), atol=1e-3)
# --8<-- [end:batch_norm_2d]

# --8<-- [start:train_eval_model]
X = X.to(device)
net.train()
repeatable_in_train = torch.equal(net(X), net(X))
net.eval()
with torch.no_grad():
    repeatable_in_eval = torch.equal(net(X), net(X))
print("train mode, same input twice gives equal outputs:", repeatable_in_train)
print("eval mode,  same input twice gives equal outputs:", repeatable_in_eval)
assert not repeatable_in_train and repeatable_in_eval
assert all(not m.training for m in net.modules())  # eval() reached every submodule
# --8<-- [end:train_eval_model]


# --8<-- [start:composing]
class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", mean)  # saved and moved with the model, never trained
        self.register_buffer("std", std)

    def forward(self, X):
        return (X - self.mean) / self.std


X_train = 3 * torch.randn(100, 64) + 1
model = nn.Sequential(
    Standardize(X_train.mean(dim=0), X_train.std(dim=0)),
    MLP(64, 32, 10),
    nn.LogSoftmax(dim=1),
).to(device)
for name, child in model.named_children():
    count = sum(p.numel() for p in child.parameters())
    print(f"  [{name}] {type(child).__name__:12} {count:5} parameters")
print("output", tuple(model(X_train.to(device)).shape))
print("state_dict keys from Standardize:", [k for k in model.state_dict() if k.startswith("0.")])
assert sum(p.numel() for p in model.parameters()) == 2474
assert model[0].mean.device == next(model.parameters()).device  # .to() moved the buffers too
model.to(torch.float64)  # a change of dtype shows the same on a CPU, where nothing moves
assert model[0].mean.dtype == torch.float64
# --8<-- [end:composing]

# --8<-- [start:exercise_1]
net = MLP(64, 32, 10)
for p in net.hidden.parameters():
    p.requires_grad_(False)  # frozen: the optimizer will get no gradient for it
num_trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
print(f"trainable after freezing the first layer: {num_trainable}")
assert num_trainable == 2474 - (64 * 32 + 32) == 394
# --8<-- [end:exercise_1]


# --8<-- [start:exercise_2]
class Residual(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, X):
        return X + self.inner(X)


block = Residual(nn.Linear(16, 16))
X = torch.randn(4, 16)
print("output", tuple(block(X).shape), " parameters", sum(p.numel() for p in block.parameters()))
assert torch.allclose(block(X), X + block.inner(X), atol=1e-6)
assert sum(p.numel() for p in block.parameters()) == 16 * 16 + 16 == 272
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
net = MLP(64, 32, 10)
one_image = torch.randn(1, 64)
try:
    net(one_image)
except ValueError as error:
    print("train mode:", error)
else:
    raise AssertionError("batch norm should refuse a batch of one in training mode")
net.eval()
print("eval mode: output", tuple(net(one_image).shape))
# --8<-- [end:exercise_3]
