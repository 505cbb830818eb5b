# --8<-- [start:setup]
import os
import random

import numpy as np
import torch
from torch import nn

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # needed by deterministic CUDA
# --8<-- [end:setup]

# --8<-- [start:device]
if torch.accelerator.is_available():  # a CUDA GPU, an Apple GPU (mps), an Intel XPU...
    device = torch.accelerator.current_accelerator()
else:
    device = torch.device("cpu")
print("device:", device)
# --8<-- [end:device]

# --8<-- [start:to_device]
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).to(device)
X = torch.rand(5, 64).to(device)  # or torch.rand(5, 64, device=device)
y_hat = net(X)
print("parameters on", next(net.parameters()).device, "- output on", y_hat.device)
predictions = y_hat.argmax(dim=1).cpu().numpy()  # back to the CPU before NumPy
print("predictions:", predictions, type(predictions).__name__)
assert y_hat.device.type == device.type and predictions.shape == (5,)
# --8<-- [end:to_device]

# --8<-- [start:mismatch]
on_meta = torch.ones(3, device="meta")  # a device with shapes but no data
try:
    on_meta + torch.ones(3)
except RuntimeError as error:
    print("RuntimeError:", error)
else:
    raise AssertionError("adding tensors on two devices should fail")
# --8<-- [end:mismatch]


# --8<-- [start:seeds]
def seed_everything(seed):
    random.seed(seed)  # Python's own random module
    np.random.seed(seed)  # NumPy's global generator
    torch.manual_seed(seed)  # PyTorch, on the CPU and every GPU


def train_briefly(seed, num_steps=50):
    """Make data, a model and 50 SGD steps, all from one seed; return the final weights."""
    seed_everything(seed)
    X = torch.randn(256, 64, device=device)
    y = torch.randint(0, 10, (256,), device=device)
    net = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 10))
    net = net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(num_steps):
        idx = torch.randint(0, 256, (32,), device=device)  # a random mini-batch
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(X[idx]), y[idx]).backward()
        optimizer.step()
    return torch.cat([p.detach().flatten() for p in net.parameters()]).cpu()


run_1, run_2, run_3 = train_briefly(seed=0), train_briefly(seed=0), train_briefly(seed=1)
print("seed 0 twice, identical weights:", torch.equal(run_1, run_2))
print("seed 0 versus seed 1, identical:", torch.equal(run_1, run_3))
assert torch.equal(run_1, run_2) and not torch.equal(run_1, run_3)
# --8<-- [end:seeds]

# --8<-- [start:deterministic]
torch.use_deterministic_algorithms(True)  # error out on any nondeterministic kernel
torch.backends.cudnn.benchmark = False  # do not let cuDNN pick its algorithm by timing
print("deterministic algorithms:", torch.are_deterministic_algorithms_enabled())
run_4 = train_briefly(seed=0)
print("same weights as before:", torch.equal(run_4, run_1))
assert torch.equal(run_4, run_1)
torch.use_deterministic_algorithms(False)  # back to the default for the rest of the file
# --8<-- [end:deterministic]

# --8<-- [start:float_order]
print("(0.1 + 0.2) + 0.3 =", (0.1 + 0.2) + 0.3)
print("0.1 + (0.2 + 0.3) =", 0.1 + (0.2 + 0.3))
assert (0.1 + 0.2) + 0.3 != 0.1 + (0.2 + 0.3)

x = torch.rand(100_000, generator=torch.Generator().manual_seed(0))
one_by_one = np.float32(0)
for value in x.numpy():  # left to right, one number at a time, in float32
    one_by_one += value
in_blocks = x.sum().item()  # PyTorch adds in blocks, the way vector units like it
exact = x.double().sum().item()  # float64, as a reference
print(f"one by one {one_by_one:.6f}")
print(f"in blocks  {in_blocks:.6f}")
print(f"float64    {exact:.6f}")
assert one_by_one != in_blocks and exact not in (one_by_one, in_blocks)
assert abs(in_blocks - exact) < abs(one_by_one - exact)  # blocks are also more accurate
# --8<-- [end:float_order]

# --8<-- [start:exercise_generator]
torch.manual_seed(0)
expected = torch.rand(3)  # what the global stream gives first

torch.manual_seed(0)
local = torch.Generator().manual_seed(42)
noise = torch.rand(1000, generator=local)  # drawn from the local generator only
after = torch.rand(3)
print("global stream untouched by the local generator:", torch.equal(after, expected))
assert torch.equal(after, expected)
# --8<-- [end:exercise_generator]


# --8<-- [start:exercise_same_start]
def make_net(seed, device):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))  # drawn on the CPU
    return net.to(device)  # then moved: the same numbers on every kind of device


first = make_net(0, device)
second = make_net(0, "cpu")
same = all(
    torch.equal(a.cpu(), b) for a, b in zip(first.parameters(), second.parameters(), strict=True)
)
print("same starting weights on", device, "and cpu:", same)
assert same
# --8<-- [end:exercise_same_start]

# --8<-- [start:exercise_float16]
half = x[:10_000].half()
running = torch.zeros((), dtype=torch.float16)
for value in half:  # one number at a time, the running sum kept in float16
    running += value
float_sum = x[:10_000].sum().item()
print(f"float16 running sum {running.item():.1f}, float32 sum {float_sum:.1f}")
assert running.item() == 2048 and float_sum > 2 * 2048  # stuck at 2048, far below
info16 = torch.finfo(torch.float16)
significant_bits = 1 - round(torch.log2(torch.tensor(info16.eps)).item())
spacing = 2048 * info16.eps
print(f"float16: {info16.bits} bits, {significant_bits} significant; step {spacing:.0f} from 2048")
at_2048 = torch.tensor(2048.0, dtype=torch.float16)
assert info16.bits == 16 and significant_bits == 11 and spacing == 2
assert (at_2048 + 0.99).item() == 2048 and (at_2048 + 2).item() == 2050
one_rounding = half.sum(dtype=torch.float16).item()  # adds in float32, rounds once at the end
print(f"half.sum(dtype=torch.float16) {one_rounding:.1f}")
assert one_rounding == half.float().sum().half().item()  # the float32 sum, rounded once
step_there = 4096 * info16.eps  # float16's step between 4096 and 8192
assert step_there == 4 and abs(one_rounding - float_sum) <= step_there / 2  # half a step at most
# --8<-- [end:exercise_float16]
