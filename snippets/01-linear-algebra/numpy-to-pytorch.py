# --8<-- [start:setup]
import numpy as np
import torch

torch.manual_seed(0)
rng = np.random.default_rng(0)
# --8<-- [end:setup]

# --8<-- [start:np_create]
u = np.array([3.0, 1.0])
v = np.array([1.0, 2.0])
# --8<-- [end:np_create]

# --8<-- [start:np_add]
w = u + v
s = 2 * u
# --8<-- [end:np_add]

# --8<-- [start:np_dot]
d = u @ v  # or np.dot(u, v)
# --8<-- [end:np_dot]

# --8<-- [start:np_norm]
n = np.linalg.norm(u)
# --8<-- [end:np_norm]

# --8<-- [start:np_vector_results]
print("u + v =", w, " 2u =", s, " u @ v =", d, f" norm = {n:.4f}")
numpy_results = [w, s, d, n]
# --8<-- [end:np_vector_results]

# --8<-- [start:pt_create]
u = torch.tensor([3.0, 1.0])
v = torch.tensor([1.0, 2.0])
# --8<-- [end:pt_create]

# --8<-- [start:pt_add]
w = u + v
s = 2 * u
# --8<-- [end:pt_add]

# --8<-- [start:pt_dot]
d = u @ v  # or torch.dot(u, v)
# --8<-- [end:pt_dot]

# --8<-- [start:pt_norm]
n = torch.linalg.norm(u)
# --8<-- [end:pt_norm]

# --8<-- [start:pt_vector_results]
print("u + v =", w, " 2u =", s, " u @ v =", d, f" norm = {n:.4f}")
for expected, got in zip(numpy_results, [w, s, d, n], strict=True):
    assert np.allclose(expected, got.numpy())
assert d.item() == 5.0
# --8<-- [end:pt_vector_results]

# --8<-- [start:np_matrices]
A = np.array([[2.0, 1.0], [1.0, 1.0]])
B = np.array([[1.0, 2.0], [3.0, 4.0]])
# --8<-- [end:np_matrices]

# --8<-- [start:np_shape]
rows, cols = A.shape
# --8<-- [end:np_shape]

# --8<-- [start:np_index]
row0, col1, a01 = A[0], A[:, 1], A[0, 1]
# --8<-- [end:np_index]

# --8<-- [start:np_transpose]
At = A.T
# --8<-- [end:np_transpose]

# --8<-- [start:np_matvec]
Au = A @ np.array([3.0, 1.0])
# --8<-- [end:np_matvec]

# --8<-- [start:np_matmul]
AB = A @ B
# --8<-- [end:np_matmul]

# --8<-- [start:np_identity]
identity = np.eye(2)
# --8<-- [end:np_identity]

# --8<-- [start:np_inverse]
A_inv = np.linalg.inv(A)
# --8<-- [end:np_inverse]

# --8<-- [start:np_matrix_results]
print(f"A @ B =\n{AB}\ninverse of A =\n{A_inv}")
numpy_results = [row0, col1, a01, At, Au, AB, identity, A_inv]
# --8<-- [end:np_matrix_results]

# --8<-- [start:pt_matrices]
A = torch.tensor([[2.0, 1.0], [1.0, 1.0]])
B = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
# --8<-- [end:pt_matrices]

# --8<-- [start:pt_shape]
rows, cols = A.shape
# --8<-- [end:pt_shape]

# --8<-- [start:pt_index]
row0, col1, a01 = A[0], A[:, 1], A[0, 1]
# --8<-- [end:pt_index]

# --8<-- [start:pt_transpose]
At = A.T
# --8<-- [end:pt_transpose]

# --8<-- [start:pt_matvec]
Au = A @ torch.tensor([3.0, 1.0])
# --8<-- [end:pt_matvec]

# --8<-- [start:pt_matmul]
AB = A @ B
# --8<-- [end:pt_matmul]

# --8<-- [start:pt_identity]
identity = torch.eye(2)
# --8<-- [end:pt_identity]

# --8<-- [start:pt_inverse]
A_inv = torch.linalg.inv(A)
# --8<-- [end:pt_inverse]

# --8<-- [start:pt_matrix_results]
print(f"A @ B =\n{AB}\ninverse of A =\n{A_inv}")
for expected, got in zip(
    numpy_results, [row0, col1, a01, At, Au, AB, identity, A_inv], strict=True
):
    assert np.allclose(expected, got.numpy())
# --8<-- [end:pt_matrix_results]

# --8<-- [start:np_new]
Z = np.zeros((2, 3))
R = rng.random((2, 3))  # uniform in [0, 1)
# --8<-- [end:np_new]

# --8<-- [start:np_reshape]
t = np.arange(12.0)
m = t.reshape(3, 4)
# --8<-- [end:np_reshape]

# --8<-- [start:np_slice]
block = m[0:2, 1:3]
# --8<-- [end:np_slice]

# --8<-- [start:np_reduce]
col_sums = m.sum(axis=0)
row_means = m.mean(axis=1)
# --8<-- [end:np_reduce]

# --8<-- [start:np_broadcast]
centred = m - m.mean(axis=0)  # (3, 4) - (4,)
# --8<-- [end:np_broadcast]

# --8<-- [start:np_permute]
X = np.zeros((4, 3, 32, 32))
X_hwc = X.transpose(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)
# --8<-- [end:np_permute]

# --8<-- [start:np_tensor_results]
print("column sums", col_sums, " row means", row_means)
print("X_hwc.shape", X_hwc.shape, " m shares memory with t:", np.shares_memory(t, m))
numpy_results = [block, col_sums, row_means, centred]
numpy_shapes = [Z.shape, R.shape, m.shape, X_hwc.shape]
# --8<-- [end:np_tensor_results]

# --8<-- [start:pt_new]
Z = torch.zeros(2, 3)
R = torch.rand(2, 3)  # uniform in [0, 1)
# --8<-- [end:pt_new]

# --8<-- [start:pt_reshape]
t = torch.arange(12.0)
m = t.view(3, 4)  # or t.reshape(3, 4)
# --8<-- [end:pt_reshape]

# --8<-- [start:pt_slice]
block = m[0:2, 1:3]
# --8<-- [end:pt_slice]

# --8<-- [start:pt_reduce]
col_sums = m.sum(dim=0)
row_means = m.mean(dim=1)
# --8<-- [end:pt_reduce]

# --8<-- [start:pt_broadcast]
centred = m - m.mean(dim=0)  # (3, 4) - (4,)
# --8<-- [end:pt_broadcast]

# --8<-- [start:pt_permute]
X = torch.zeros(4, 3, 32, 32)
X_hwc = X.permute(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)
# --8<-- [end:pt_permute]

# --8<-- [start:pt_tensor_results]
print("column sums", col_sums, " row means", row_means)
print("X_hwc.shape", X_hwc.shape, " m shares memory with t:", t.data_ptr() == m.data_ptr())
for expected, got in zip(numpy_results, [block, col_sums, row_means, centred], strict=True):
    assert np.allclose(expected, got.numpy())
assert numpy_shapes == [tuple(got.shape) for got in (Z, R, m, X_hwc)]
assert t.data_ptr() == m.data_ptr()
# --8<-- [end:pt_tensor_results]

# --8<-- [start:dtype]
print("NumPy   default float:", np.array([1.0]).dtype, "  int:", np.array([1]).dtype)
print("PyTorch default float:", torch.tensor([1.0]).dtype, "  int:", torch.tensor([1]).dtype)
assert np.array([1.0]).dtype == np.float64 and torch.tensor([1.0]).dtype == torch.float32
# --8<-- [end:dtype]

# --8<-- [start:dtype_error]
W = torch.ones(2, 2)  # float32, like a network's weights
data = torch.from_numpy(np.ones((2, 2)))  # float64, as NumPy made it
try:
    W @ data
except RuntimeError as error:
    message = str(error)
print("RuntimeError:", message)
assert "same dtype" in message
print("while W + data quietly gives", (W + data).dtype)
assert (W + data).dtype == torch.float64
assert (np.ones((2, 2), np.float32) @ np.ones((2, 2))).dtype == np.float64  # NumPy promotes
# --8<-- [end:dtype_error]

# --8<-- [start:np_astype]
a32 = np.ones((2, 2)).astype(np.float32)
# --8<-- [end:np_astype]

# --8<-- [start:pt_to_dtype]
data32 = data.to(torch.float32)  # or data.float()
# --8<-- [end:pt_to_dtype]

# --8<-- [start:dtype_fixed]
print(a32.dtype, data32.dtype, (W @ data32).dtype)
assert (W @ data32).dtype == torch.float32
# --8<-- [end:dtype_fixed]

# --8<-- [start:device]
device = "cuda" if torch.cuda.is_available() else "cpu"
x_on_device = torch.ones(3).to(device)
# --8<-- [end:device]

# --8<-- [start:device_check]
print("device:", x_on_device.device)
assert x_on_device.device.type == device
# --8<-- [end:device_check]

# --8<-- [start:from_numpy_data]
a = np.array([1.0, 2.0, 3.0])
# --8<-- [end:from_numpy_data]

# --8<-- [start:from_numpy]
shared = torch.from_numpy(a)  # same memory as a
copied = torch.tensor(a)  # a copy
# --8<-- [end:from_numpy]

# --8<-- [start:from_numpy_check]
a[0] = 100.0
print("a            ", a)
print("from_numpy(a)", shared)
print("tensor(a)    ", copied)
assert shared[0] == 100.0 and copied[0] == 1.0
assert shared.data_ptr() == a.ctypes.data  # the very same bytes
assert copied.data_ptr() != a.ctypes.data
# --8<-- [end:from_numpy_check]

# --8<-- [start:to_numpy]
back = shared.numpy()  # same memory, for a tensor on the CPU
# --8<-- [end:to_numpy]

# --8<-- [start:to_numpy_check]
print("shared.numpy() shares memory with a:", np.shares_memory(back, a))
assert np.shares_memory(back, a) and not np.shares_memory(copied.numpy(), a)
# --8<-- [end:to_numpy_check]

# --8<-- [start:numpy_needs_detach]
weights = torch.ones(3, requires_grad=True)
try:
    weights.numpy()
except RuntimeError as error:
    message = str(error)
print("RuntimeError:", message)
assert "detach" in message
# --8<-- [end:numpy_needs_detach]

# --8<-- [start:to_numpy_safe]
weights_np = weights.detach().cpu().numpy()  # any dtype NumPy has, on any device
# --8<-- [end:to_numpy_safe]

# --8<-- [start:to_numpy_safe_check]
print(weights_np, weights_np.dtype)
assert weights_np.dtype == np.float32
half = torch.ones(3, dtype=torch.bfloat16)  # NumPy has no bfloat16
try:
    half.detach().cpu().numpy()
except TypeError:
    assert half.detach().cpu().float().numpy().dtype == np.float32  # add .float() first
else:
    raise AssertionError("bfloat16 converted to NumPy after all")
# --8<-- [end:to_numpy_safe_check]

# --8<-- [start:float32]
for dtype in (np.float64, np.float32):
    info = np.finfo(dtype)
    bits = info.nmant + 1  # significand bits, counting the implicit leading 1
    digits = bits * np.log10(2)
    size = np.dtype(dtype).itemsize
    print(f"{info.dtype}: {size} bytes, {bits}-bit significand, eps {info.eps:.1e}")
    print(f"    {info.dtype} has about {digits:.1f} significant decimal digits", end=" ")
    print(f"(finfo.precision: {info.precision})")
    print(f"    one million weights take {size * 1_000_000 / 1e6:.0f} MB")
assert np.dtype(np.float64).itemsize == 8 and np.dtype(np.float32).itemsize == 4
assert np.finfo(np.float32).nmant + 1 == 24 and np.finfo(np.float64).nmant + 1 == 53
assert 7 < 24 * np.log10(2) < 7.3 and 15.9 < 53 * np.log10(2) < 16
assert np.finfo(np.float32).precision == 6 and np.finfo(np.float64).precision == 15
assert torch.finfo(torch.float32).eps == np.finfo(np.float32).eps
assert np.float32(1.0) + np.float32(1e-8) == np.float32(1.0)  # lost in float32
assert np.float64(1.0) + np.float64(1e-8) != np.float64(1.0)  # kept in float64

M64 = rng.standard_normal((256, 256))
exact = M64 @ M64
approx = (torch.from_numpy(M64).float() @ torch.from_numpy(M64).float()).double().numpy()
relative_error = np.linalg.norm(approx - exact) / np.linalg.norm(exact)
print(f"256 x 256 product in float32: relative error {relative_error:.1e}")
assert relative_error < 1e-6
# --8<-- [end:float32]

# --8<-- [start:exercise_1]
a64 = np.array([0.5, 1.5])
t32 = torch.tensor(a64, dtype=torch.float32)
print(t32, t32.dtype, "shares memory:", np.shares_memory(t32.numpy(), a64))
assert t32.dtype == torch.float32 and not np.shares_memory(t32.numpy(), a64)
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
images = rng.random((2, 3, 4, 4))
means_np = images.mean(axis=(2, 3), keepdims=True)
means_pt = torch.from_numpy(images).mean(dim=(2, 3), keepdim=True)
print(means_np.shape, tuple(means_pt.shape))
assert torch.allclose(means_pt, torch.from_numpy(means_np))
assert torch.equal(torch.from_numpy(images).mean(axis=(2, 3), keepdims=True), means_pt)
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
a = np.zeros(3)
t = torch.from_numpy(a)
t += 1  # in place: writes into the shared memory
print("after t += 1:   a =", a)
t = t + 1  # a new tensor: t no longer points at a's memory
print("after t = t + 1: a =", a, " t =", t)
assert np.array_equal(a, [1.0, 1.0, 1.0]) and torch.equal(t, torch.full((3,), 2.0, dtype=t.dtype))
# --8<-- [end:exercise_3]
