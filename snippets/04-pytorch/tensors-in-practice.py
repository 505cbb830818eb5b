# --8<-- [start:setup]
import matplotlib.pyplot as plt
import numpy as np
import torch

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"
# --8<-- [end:setup]

# --8<-- [start:creation]
X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # from a nested list
zeros = torch.zeros(2, 3)
ones = torch.ones_like(X)  # same shape and dtype as X
steps = torch.arange(0, 10, 2)  # like range(): 0, 2, 4, 6, 8
grid = torch.linspace(0, 1, 5)  # 5 evenly spaced points, ends included
noise = torch.randn(64, 8, 8)  # standard normal, e.g. a batch of 64 images of 8x8
print("X =", X)
print("steps =", steps, " grid =", grid)
print("shapes:", tuple(X.shape), tuple(zeros.shape), tuple(noise.shape))
assert ones.shape == X.shape and noise.shape == (64, 8, 8)
assert steps.tolist() == [0, 2, 4, 6, 8]
# --8<-- [end:creation]

# --8<-- [start:dtype]
print("float list ->", torch.tensor([1.0, 2.0]).dtype)
print("int list   ->", torch.tensor([1, 2]).dtype)
print("bool list  ->", torch.tensor([True, False]).dtype)
labels = torch.tensor([3, 1, 4])
mixed = labels + 0.5  # int64 + float -> float32
print("int64 + 0.5 ->", mixed.dtype, mixed)
halves = torch.tensor([0.1, 0.2, 0.3]).to(torch.float16)
print("float32 bytes per number:", X.element_size(), " float16:", halves.element_size())
assert torch.tensor([1.0]).dtype == torch.float32  # PyTorch's default float
assert labels.dtype == torch.int64 and mixed.dtype == torch.float32
assert (np.array([3, 1, 4]) + 0.5).dtype == np.float64  # NumPy's choice
assert X.element_size() == 4 and halves.element_size() == 2
# --8<-- [end:dtype]

# --8<-- [start:device]
x = torch.ones(3)
print("a new tensor lives on:", x.device)
x = x.to(device)  # a no-op on a CPU-only machine, a copy to the GPU otherwise
w = torch.full((3,), 2.0, device=device)  # or create it there directly
print("x * w =", (x * w).cpu())
assert x.device == w.device  # operands must live on the same device
# --8<-- [end:device]

# --8<-- [start:in_place]
a = torch.tensor([1.0, 2.0, 3.0])
address = a.data_ptr()  # where a's numbers live in memory

b = a.add(10)  # out-of-place: a new tensor, a is unchanged
print("after b = a.add(10): a =", a, " b =", b)
assert b.data_ptr() != address and a.tolist() == [1.0, 2.0, 3.0]

a.add_(10)  # in-place: trailing underscore, a itself changes
print("after a.add_(10):    a =", a)
assert a.data_ptr() == address and a.tolist() == [11.0, 12.0, 13.0]

a += 1  # augmented assignment is in-place too
assert a.data_ptr() == address
a = a + 1  # but this builds a new tensor and rebinds the name
assert a.data_ptr() != address
# --8<-- [end:in_place]

# --8<-- [start:views]
X = torch.arange(6.0)
M = X.view(2, 3)  # a view: same memory, another shape
T = M.T  # transpose: a view with swapped strides
row = M[1]  # basic slicing: a view
C = M.clone()  # an explicit copy
print("M =", M)
print("strides of M:", M.stride(), " of M.T:", T.stride())
assert M.data_ptr() == X.data_ptr() and T.data_ptr() == X.data_ptr()
assert M.stride() == (3, 1) and T.stride() == (1, 3)
assert row.data_ptr() - X.data_ptr() == 3 * X.element_size() == 12  # 3 numbers, 12 bytes on
assert row.untyped_storage().data_ptr() == X.untyped_storage().data_ptr()  # same block
assert C.data_ptr() != X.data_ptr()

M[0, 0] = 100.0  # writing through a view changes X
print("after M[0, 0] = 100: X =", X, " clone still", C[0, 0].item())
assert X[0] == 100.0 and C[0, 0] == 0.0
# --8<-- [end:views]


# --8<-- [start:views_figure]
def draw(ax, grid, title):
    rows, cols = grid.shape
    for r in range(rows):
        for c in range(cols):
            value = int(grid[r, c])
            ax.add_patch(plt.Rectangle((c, -r - 1), 1, 1, fill=False))
            ax.text(
                c + 0.5, -r - 0.5, value, ha="center", va="center", color=f"C{value}", fontsize=13
            )
    ax.set(xlim=(0, cols), ylim=(-rows, 0), aspect="equal")
    ax.set_title(title, fontsize=11)
    ax.axis("off")


memory = torch.arange(6)
fig, axes = plt.subplots(1, 3, figsize=(6.5, 2.4), gridspec_kw={"width_ratios": [6, 3, 2]})
draw(axes[0], memory.view(1, 6), "memory:\n6 numbers in a row")
draw(axes[1], memory.view(2, 3), "M = view(2, 3)\nstrides (3, 1)")
draw(axes[2], memory.view(2, 3).T, "M.T\nstrides (1, 3)")
plt.show()
# --8<-- [end:views_figure]

# --8<-- [start:contiguous]
print("M.T is contiguous:", T.is_contiguous())
try:
    T.view(6)
except RuntimeError as error:
    print("T.view(6) fails:", str(error).split(".")[0])
flat = T.reshape(6)  # reshape copies when a view is impossible
print("T.reshape(6) =", flat)
assert flat.data_ptr() != X.data_ptr()
assert M.reshape(6).data_ptr() == X.data_ptr()  # and returns a view when it can
# --8<-- [end:contiguous]

# --8<-- [start:no_grad]
w = torch.tensor([1.0, 2.0], requires_grad=True)
y = w * 3
print("outside no_grad: requires_grad =", y.requires_grad, " grad_fn =", y.grad_fn.name())
try:
    w -= 0.5
except RuntimeError as error:
    print("w -= 0.5 fails:", error)
else:
    raise AssertionError("an in-place update of a tracked weight should fail")
with torch.no_grad():
    z = w * 3
    w -= 0.5  # an in-place update of a weight: allowed here
print("inside no_grad:  requires_grad =", z.requires_grad, " grad_fn =", z.grad_fn)
print("w after the update:", w.detach())
assert y.requires_grad and not z.requires_grad and z.grad_fn is None
# --8<-- [end:no_grad]

# --8<-- [start:numpy_bridge]
array = np.array([1.0, 2.0, 3.0])  # NumPy's default float is float64
shared = torch.from_numpy(array)  # shares the memory
copied = torch.tensor(array)  # always copies
array[0] = -1.0
print("from_numpy:", shared, " torch.tensor:", copied)
assert shared[0] == -1.0 and copied[0] == 1.0
assert shared.dtype == torch.float64

back = shared.numpy()  # back to NumPy, still the same memory
assert np.shares_memory(back, array)

weights = torch.ones(2, requires_grad=True)
try:
    weights.numpy()
except RuntimeError as error:
    print("weights.numpy() fails:", error)
else:
    raise AssertionError(".numpy() of a tracked tensor should fail")
as_array = weights.detach().cpu().numpy()  # the safe recipe for any tensor
print("weights.detach().cpu().numpy() =", as_array, as_array.dtype)
# --8<-- [end:numpy_bridge]

# --8<-- [start:exercise_1]
X = torch.arange(12.0).view(3, 4)
candidates = {"X[:, 1]": X[:, 1], "X[[0, 2]]": X[[0, 2]], "X[X > 5]": X[X > 5]}
views = []
for name, t in candidates.items():
    is_view = t.untyped_storage().data_ptr() == X.untyped_storage().data_ptr()
    print(f"{name:10} view of X: {is_view}")
    views.append(is_view)
assert views == [True, False, False]
column = X[:, 1]
column[0] = -1.0
assert X[0, 1] == -1.0  # the column slice really is a view
picked = X[[0, 2]]
picked[0, 0] = 99.0
assert X[0, 0] == 0.0  # fancy indexing made a copy
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
images = np.zeros((2, 8, 8))  # float64, as NumPy makes them
batch = torch.from_numpy(images).float()  # float32 for the network
images[0, 0, 0] = 1.0
print("batch dtype:", batch.dtype, " changed with the array:", bool(batch[0, 0, 0] == 1.0))
assert batch.dtype == torch.float32 and batch[0, 0, 0] == 0.0  # .float() copied
assert torch.from_numpy(images)[0, 0, 0] == 1.0  # without a dtype change it shares
assert batch.float() is batch  # already float32: the same tensor comes back
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
x = torch.tensor([1.0, -2.0, 3.0, -4.0])
address = x.data_ptr()
x.clamp_(min=0)  # in-place ReLU
print("in-place ReLU:", x)
assert x.tolist() == [1.0, 0.0, 3.0, 0.0] and x.data_ptr() == address
# --8<-- [end:exercise_3]
