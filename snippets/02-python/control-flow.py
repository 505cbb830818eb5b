# --8<-- [start:setup]
import matplotlib.pyplot as plt
import numpy as np

# --8<-- [end:setup]

# --8<-- [start:if_else]
val_loss, best_loss = 0.42, 0.45
if val_loss < best_loss:
    print(f"improved: {best_loss} -> {val_loss}, save a checkpoint")
    best_loss = val_loss
elif val_loss == best_loss:
    print("no change")
else:
    print("worse")

for value in [0, 0.0, "", [], {}, None, 3, "a", [0]]:
    print(f"{value!r:>6} is {'truthy' if value else 'falsy'}")
assert best_loss == 0.42 and not [] and [0]
try:
    bool(np.array([1, 2]))
except ValueError as error:
    print("np.array([1, 2]):", error)
else:
    raise AssertionError("an array of two numbers was true or false after all")
# --8<-- [end:if_else]

# --8<-- [start:for_range]
num_epochs = 3
for epoch in range(num_epochs):
    print("epoch", epoch)

num_samples, batch_size = 10, 4
for start in range(0, num_samples, batch_size):
    stop = min(start + batch_size, num_samples)
    print(f"batch covers samples {start}..{stop - 1} ({stop - start} samples)")
assert list(range(3)) == [0, 1, 2] and list(range(0, 10, 4)) == [0, 4, 8]
# --8<-- [end:for_range]

# --8<-- [start:enumerate_zip]
losses = [0.9, 0.6, 0.5]
for epoch, loss in enumerate(losses, start=1):
    print(f"epoch {epoch}: loss {loss}")

y_hat = [3, 1, 4, 1, 5]
y = [3, 1, 4, 2, 5]
correct = 0
for prediction, label in zip(y_hat, y, strict=True):
    if prediction == label:
        correct += 1
print(f"accuracy {correct / len(y):.0%}")
assert list(enumerate("ab")) == [(0, "a"), (1, "b")] and correct == 4
print("zip stops at the shorter list:", list(zip([1, 2, 3], ["a", "b"])))  # noqa: B905
try:
    list(zip([1, 2, 3], ["a", "b"], strict=True))
except ValueError as error:
    print("with strict=True:", error)
else:
    raise AssertionError("zip(strict=True) accepted lists of different lengths")
# --8<-- [end:enumerate_zip]

# --8<-- [start:while_break]
val_losses = [0.80, 0.62, 0.55, 0.56, 0.57, 0.58, 0.49]  # one per epoch, counted from 1
patience = 2  # epochs without a better validation loss before stopping
best, best_epoch, bad_epochs = float("inf"), 0, 0
epoch = 0
while epoch < len(val_losses):
    loss = val_losses[epoch]
    epoch += 1
    if loss < best:
        best, best_epoch, bad_epochs = loss, epoch, 0  # a real loop also copies the weights
        continue  # skip the rest of this pass, go to the next epoch
    bad_epochs += 1
    if bad_epochs == patience:
        break
print(f"stops after epoch {epoch}, keeps epoch {best_epoch} (validation loss {best})")
assert epoch == 5 and best_epoch == 3 and best == 0.55 and epoch - best_epoch == patience
# --8<-- [end:while_break]

# --8<-- [start:comprehensions]
squares = [n**2 for n in range(5)]
even_squares = [n**2 for n in range(5) if n % 2 == 0]
label_names = {i: name for i, name in enumerate(["cat", "dog", "bird"])}
total = sum(loss for loss in losses)  # a generator: no list is built
print(squares, even_squares, label_names, f"{total:.1f}")
same = []
for n in range(5):
    if n % 2 == 0:
        same.append(n**2)
assert even_squares == same == [0, 4, 16] and label_names[1] == "dog"
# --8<-- [end:comprehensions]

# --8<-- [start:training_loop]
X = [i / 10 for i in range(20)]  # inputs 0.0 .. 1.9
y = [2 * x + 1 for x in X]  # the rule to learn: y = 2x + 1
w, b = 0.0, 0.0
lr, num_epochs, batch_size = 0.1, 60, 5
history = []

for epoch in range(num_epochs):
    for start in range(0, len(X), batch_size):
        X_batch, y_batch = X[start : start + batch_size], y[start : start + batch_size]
        y_hat = [w * x + b for x in X_batch]
        errors = [p - t for p, t in zip(y_hat, y_batch, strict=True)]
        grad_w = 2 * sum(e * x for e, x in zip(errors, X_batch, strict=True)) / len(X_batch)
        grad_b = 2 * sum(errors) / len(X_batch)
        w, b = w - lr * grad_w, b - lr * grad_b
    loss = sum((w * x + b - t) ** 2 for x, t in zip(X, y, strict=True)) / len(X)
    history.append(loss)
    if epoch % 20 == 0 or epoch == num_epochs - 1:
        print(f"epoch {epoch:2d}  loss {loss:.2e}  w {w:.4f}  b {b:.4f}")
assert abs(w - 2) < 0.01 and abs(b - 1) < 0.01 and loss < 1e-4
# --8<-- [end:training_loop]

# --8<-- [start:loss_curve]
fig, ax = plt.subplots(figsize=(6, 3))
ax.semilogy(range(1, num_epochs + 1), history, color="C0")
ax.set(xlabel="epoch", ylabel="mean squared error (log scale)")
ax.grid(alpha=0.3)
plt.show()
assert history[0] > 0.05 and history[-1] < 1e-8
# --8<-- [end:loss_curve]

# --8<-- [start:exercise_1]
data = list(range(10))
batch_size = 4
batches = [data[i : i + batch_size] for i in range(0, len(data), batch_size)]
print(batches)
assert [len(batch) for batch in batches] == [4, 4, 2]
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
from collections import Counter  # noqa: E402 - imported where the exercise needs it

labels = [3, 1, 3, 0, 1, 3]
counts = {label: labels.count(label) for label in sorted(set(labels))}
print(counts)
assert counts == {0: 1, 1: 2, 3: 3} and Counter(labels) == counts
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
val_losses = [0.80, 0.62, 0.55, 0.56, 0.49, 0.47]
target = 0.5
first = next((epoch for epoch, loss in enumerate(val_losses, start=1) if loss < target), None)
print(f"first epoch under {target}: {first}")
assert first == 5
# --8<-- [end:exercise_3]
