# --8<-- [start:setup]
import numpy as np

rng = np.random.default_rng(0)
# --8<-- [end:setup]

# --8<-- [start:lists_vs_arrays]
a_list = [1.0, 2.0, 3.0]
an_array = np.array([1.0, 2.0, 3.0])
print("list * 2: ", a_list * 2, "| list + list:", a_list + a_list)
print("array * 2:", an_array * 2, "| array + array:", an_array + an_array)
print("dtype", an_array.dtype, "| shape", an_array.shape, "| mixed list:", [1, "a", None])
print("np.array([1, 2.5]) has dtype", np.array([1, 2.5]).dtype, "- one type for all entries")
assert a_list * 2 == [1.0, 2.0, 3.0, 1.0, 2.0, 3.0]
assert np.array_equal(an_array * 2, [2.0, 4.0, 6.0])
# --8<-- [end:lists_vs_arrays]

# --8<-- [start:mse_loop]
y = rng.normal(size=1000)
y_hat = y + rng.normal(scale=0.1, size=1000)

total = 0.0
for i in range(len(y)):
    total += (y_hat[i] - y[i]) ** 2
mse_loop = total / len(y)

mse_vec = np.mean((y_hat - y) ** 2)
print(f"loop: {mse_loop:.6f}   vectorised: {mse_vec:.6f}")
assert np.isclose(mse_loop, mse_vec)
# --8<-- [end:mse_loop]

# --8<-- [start:linear_layer]
batch_size, in_features, out_features = 32, 64, 10
X = rng.normal(size=(batch_size, in_features))
W = rng.normal(size=(out_features, in_features)) * 0.1
b = np.zeros(out_features)

out_loop = np.zeros((batch_size, out_features))
for n in range(batch_size):
    for j in range(out_features):
        s = b[j]
        for k in range(in_features):
            s += X[n, k] * W[j, k]
        out_loop[n, j] = s

out_vec = X @ W.T + b
print("X", X.shape, "@ W.T", W.T.shape, "+ b", b.shape, "->", out_vec.shape)
print(f"multiply-adds done by the loop: {batch_size * in_features * out_features}")
assert out_vec.shape == (32, 10) and np.allclose(out_loop, out_vec)
assert batch_size * in_features * out_features == 20480
# --8<-- [end:linear_layer]

# --8<-- [start:broadcasting]
X = rng.normal(loc=5.0, scale=2.0, size=(100, 3))
mean = X.mean(axis=0)  # one mean per column (feature): shape (3,)
std = X.std(axis=0)
X_norm = (X - mean) / std  # (100, 3) with (3,): the row is reused for all 100 rows
print("mean", mean.shape, "| X_norm", X_norm.shape)
print("column means after:", X_norm.mean(axis=0).round(6) + 0.0)
print("column stds after: ", X_norm.std(axis=0).round(6))
X_norm_loop = np.empty_like(X)
for i in range(X.shape[0]):
    for j in range(X.shape[1]):
        X_norm_loop[i, j] = (X[i, j] - mean[j]) / std[j]
assert np.allclose(X_norm, X_norm_loop)
assert np.allclose(X_norm.mean(axis=0), 0) and np.allclose(X_norm.std(axis=0), 1)
# --8<-- [end:broadcasting]

# --8<-- [start:masks_argmax]
scores = rng.normal(size=(8, 10))  # 8 samples, a score for each of 10 classes
y = rng.integers(0, 10, size=8)
y[:4] = scores[:4].argmax(axis=1)  # make the first four predictions right

correct = 0
for i in range(len(y)):
    best = 0
    for c in range(scores.shape[1]):
        if scores[i, c] > scores[i, best]:
            best = c
    correct += int(best == y[i])
acc_loop = correct / len(y)

y_hat = scores.argmax(axis=1)
acc_vec = (y_hat == y).mean()
print("y_hat", y_hat, "| y", y)
print(f"accuracy: loop {acc_loop:.3f}, vectorised {acc_vec:.3f}")
z = np.array([-2.0, -0.5, 0.0, 1.5])
print("relu via mask:", np.where(z > 0, z, 0.0), "| via maximum:", np.maximum(z, 0.0))
assert acc_loop == acc_vec == 0.5
assert np.array_equal(np.where(z > 0, z, 0.0), np.maximum(z, 0.0))
# --8<-- [end:masks_argmax]

# --8<-- [start:exercise_1]
logits = rng.normal(size=(4, 3))

probs_loop = np.empty_like(logits)
for i in range(logits.shape[0]):
    exps = [np.exp(v - max(logits[i])) for v in logits[i]]
    probs_loop[i] = [e / sum(exps) for e in exps]

shifted = logits - logits.max(axis=1, keepdims=True)
probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
print(probs.round(4))
assert np.allclose(probs, probs_loop) and np.allclose(probs.sum(axis=1), 1.0)
unshifted = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
assert np.allclose(probs, unshifted)  # the shift does not change the result
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
y = np.array([2, 0, 1, 2])
one_hot_loop = np.zeros((len(y), 3))
for i, label in enumerate(y):
    one_hot_loop[i, label] = 1.0
one_hot = np.eye(3)[y]  # row y[i] of the identity matrix, for every i
print(one_hot)
assert np.array_equal(one_hot, one_hot_loop)
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
points = rng.normal(size=(5, 2))
dist_loop = np.zeros((5, 5))
for i in range(5):
    for j in range(5):
        dist_loop[i, j] = np.sqrt(np.sum((points[i] - points[j]) ** 2))
diff = points[:, None, :] - points[None, :, :]  # (5, 1, 2) - (1, 5, 2) -> (5, 5, 2)
dist = np.sqrt((diff**2).sum(axis=-1))
print("diff", diff.shape, "| dist", dist.shape, "| diagonal", np.diag(dist))
assert np.allclose(dist, dist_loop) and np.allclose(dist, dist.T)
assert diff.shape == (5, 5, 2) and dist.size == 25
# --8<-- [end:exercise_3]
