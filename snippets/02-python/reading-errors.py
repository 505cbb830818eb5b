# --8<-- [start:setup]
import sys
import traceback
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
TORCH_FOLDER = Path(torch.__file__).parent


def show_traceback():
    """Print the traceback being handled without file paths and line numbers, which differ from
    one machine, folder and way of running to the next; PyTorch's own frames are counted."""
    error = sys.exc_info()[1]  # the exception being handled
    print("Traceback (most recent call last), file names and line numbers left out:")
    in_torch = 0
    for frame in traceback.extract_tb(error.__traceback__):
        if Path(frame.filename).is_relative_to(TORCH_FOLDER):
            in_torch += 1
            continue
        print(f"  in {frame.name}\n    {frame.line}")
    print(f"  ... and {in_torch} frames inside PyTorch's own files")
    last_line = f"{type(error).__name__}: {error}"
    print(last_line)
    return last_line


# --8<-- [end:setup]


# --8<-- [start:traceback_demo]
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(16, 10)  # the bug: fc1 gives 32 features, not 16

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def train_step(net, X, y):
    y_hat = net(X)
    return F.cross_entropy(y_hat, y)


net = Classifier()
X, y = torch.randn(8, 64), torch.randint(0, 10, (8,))
try:
    loss = train_step(net, X, y)
except RuntimeError:
    last_line = show_traceback()
assert last_line == "RuntimeError: mat1 and mat2 shapes cannot be multiplied (8x32 and 16x10)"
# --8<-- [end:traceback_demo]

# --8<-- [start:shape_mismatch]
images = torch.randn(8, 1, 8, 8)  # a batch of 8 greyscale 8x8 images
layer = nn.Linear(64, 10)
try:
    layer(images)
except RuntimeError as error:
    print(f"{type(error).__name__}: {error}")
    assert "shapes cannot be multiplied (64x8 and 64x10)" in str(error)
else:
    raise AssertionError("Linear(64, 10) accepted (8, 1, 8, 8) images")

print("images", tuple(images.shape), "-> flattened", tuple(images.flatten(1).shape))
print("output", tuple(layer(images.flatten(1)).shape))
try:
    torch.ones(8, 10) + torch.ones(8)
except RuntimeError as error:
    print(f"{type(error).__name__}: {error}")
else:
    raise AssertionError("(8, 10) and (8,) broadcast after all")
assert layer(images.flatten(1)).shape == (8, 10)
# --8<-- [end:shape_mismatch]

# --8<-- [start:dtype_mismatch]
X_np = np.random.default_rng(0).normal(size=(8, 64))  # NumPy's default dtype: float64
X = torch.from_numpy(X_np)
print("X.dtype:", X.dtype, "| layer weight dtype:", layer.weight.dtype)
try:
    layer(X)
except RuntimeError as error:
    print(f"{type(error).__name__}: {error}")
    assert "same dtype, but got Double and Float" in str(error)
else:
    raise AssertionError("a float32 layer accepted a float64 input")

logits = layer(X.float())  # the fix: convert to float32
targets = torch.tensor([1.0, 0.0, 3.0, 2.0, 9.0, 4.0, 4.0, 7.0])  # labels stored as floats
try:
    F.cross_entropy(logits, targets)
except RuntimeError as error:
    print(f"{type(error).__name__}: {error}")
    assert "Long" in str(error)
else:
    raise AssertionError("cross_entropy accepted float labels of shape (N,)")
loss = F.cross_entropy(logits, targets.long())  # class indices must be integers (int64)
print(f"after .float() and .long(): loss {loss.item():.4f}")
probabilities = F.one_hot(targets.long(), 10).float()  # floats of shape (N, C) are accepted
print("float targets of shape", tuple(probabilities.shape), "are class probabilities:", end=" ")
print(f"loss {F.cross_entropy(logits, probabilities).item():.4f}")
torch.testing.assert_close(F.cross_entropy(logits, probabilities), loss)
assert X.dtype == torch.float64 and X.float().dtype == torch.float32 and torch.isfinite(loss)
# --8<-- [end:dtype_mismatch]

# --8<-- [start:index_error]
batches = [[0, 1], [2, 3], [4, 5]]
try:
    batches[len(batches)]  # the last index is len - 1
except IndexError as error:
    print(f"{type(error).__name__}: {error}")
else:
    raise AssertionError("index len(batches) existed after all")

labels = torch.tensor([3, 1, 10, 0])  # 10 classes means labels 0..9: 10 is out of range
try:
    F.cross_entropy(torch.randn(4, 10), labels)
except IndexError as error:
    print(f"{type(error).__name__}: {error}")
    assert "Target 10 is out of bounds" in str(error)
else:
    raise AssertionError("cross_entropy accepted label 10 for 10 classes")
print("labels range from", labels.min().item(), "to", labels.max().item(), "for 10 classes")
assert batches[-1] == [4, 5] and labels.max().item() == 10
# --8<-- [end:index_error]


# --8<-- [start:none_error]
def compute_loss(y_hat, y):
    loss = F.cross_entropy(y_hat, y)  # noqa: F841 - forgot: return loss


y_hat = torch.randn(4, 10, requires_grad=True)
loss = compute_loss(y_hat, torch.tensor([3, 1, 2, 0]))
print("loss is", loss)
try:
    loss.backward()
except AttributeError as error:
    print(f"{type(error).__name__}: {error}")
    assert str(error) == "'NoneType' object has no attribute 'backward'"
else:
    raise AssertionError("loss was not None after all")

losses = [0.9, 0.7]
losses = losses.append(0.5)  # append changes the list in place and returns None
try:
    print(len(losses))
except TypeError as error:
    print(f"{type(error).__name__}: {error}")
else:
    raise AssertionError("append returned the list after all")
assert loss is None and losses is None
# --8<-- [end:none_error]

# --8<-- [start:missing_import]
try:
    loader = DataLoader(list(range(10)), batch_size=4)  # noqa: F821 - never imported
except NameError as error:
    print(f"{type(error).__name__}: {error}")
else:
    raise AssertionError("DataLoader was defined after all")

try:
    import torchvison  # noqa: F401 - a typo for torchvision
except ModuleNotFoundError as error:
    print(f"{type(error).__name__}: {error}")
    assert error.name == "torchvison"
else:
    raise AssertionError("a package named torchvison is installed")

loader = torch.utils.data.DataLoader(list(range(10)), batch_size=4)  # or import it at the top
print("with the full name:", type(loader).__name__, "with", len(loader), "batches")
assert len(loader) == 3
# --8<-- [end:missing_import]


# --8<-- [start:exercise_1]
class FixedClassifier(Classifier):
    def __init__(self):
        super().__init__()
        self.fc2 = nn.Linear(32, 10)  # takes the 32 features that fc1 produces


net = FixedClassifier()
X, y = torch.randn(8, 64), torch.randint(0, 10, (8,))
loss = train_step(net, X, y)
print("y_hat shape:", tuple(net(X).shape), f"| loss {loss.item():.4f}")
assert net(X).shape == (8, 10) and torch.isfinite(loss)
# --8<-- [end:exercise_1]


# --8<-- [start:exercise_2]
def check_batch(X, y, num_classes):
    """Fail early, with a message that says what is wrong, before the model sees the batch."""
    if X.ndim != 2:
        raise ValueError(f"X should be (batch, features), got shape {tuple(X.shape)}")
    if X.dtype != torch.float32:
        raise TypeError(f"X should be float32, got {X.dtype}")
    if y.min() < 0 or y.max() >= num_classes:
        raise ValueError(f"labels must be in 0..{num_classes - 1}, got {y.min()}..{y.max()}")


for X_bad, y_bad in [
    (torch.randn(8, 1, 8, 8), torch.zeros(8, dtype=torch.long)),
    (torch.from_numpy(X_np), torch.zeros(8, dtype=torch.long)),
    (torch.randn(4, 64), torch.tensor([3, 1, 10, 0])),
]:
    try:
        check_batch(X_bad, y_bad, num_classes=10)
    except (ValueError, TypeError) as error:
        print(f"{type(error).__name__}: {error}")
    else:
        raise AssertionError("check_batch let a bad batch through")
check_batch(torch.randn(4, 64), torch.tensor([3, 1, 9, 0]), num_classes=10)  # a good batch
# --8<-- [end:exercise_2]
