# --8<-- [start:setup]
import copy
import math

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

torch.manual_seed(0)

digits = load_digits()
X = torch.tensor(digits.data, dtype=torch.float32) / 16.0  # (1797, 64), pixels in 0..1
y = torch.tensor(digits.target)
train_set, val_set, test_set = random_split(
    TensorDataset(X, y), [0.6, 0.2, 0.2], generator=torch.Generator().manual_seed(0)
)
batch_size = 64
train_loader = DataLoader(
    train_set, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(0)
)
val_loader = DataLoader(val_set, batch_size=256)
test_loader = DataLoader(test_set, batch_size=256)
print(f"{len(X)} digits: train {len(train_set)}, validation {len(val_set)}, test {len(test_set)}")
assert len(X) == 1797
# --8<-- [end:setup]


# --8<-- [start:one_epoch]
def train_one_epoch(net, loader, loss_fn, optimizer):
    net.train()  # dropout on
    total_loss, correct = 0.0, 0
    for X, y in loader:
        optimizer.zero_grad()  # 1. forget the previous batch's gradients
        y_hat = net(X)  # 2. forward pass: logits
        loss = loss_fn(y_hat, y)  # 3. how wrong, on average over the batch
        loss.backward()  # 4. backward pass: fill every parameter's .grad
        optimizer.step()  # 5. update the parameters
        total_loss += loss.item() * len(y)
        correct += (y_hat.argmax(dim=1) == y).sum().item()
    return total_loss / len(loader.dataset), correct / len(loader.dataset)


# --8<-- [end:one_epoch]


# --8<-- [start:evaluate]
@torch.no_grad()  # no graph, no gradients: faster, and nothing can change by accident
def evaluate(net, loader, loss_fn):
    net.eval()  # dropout off
    total_loss, correct = 0.0, 0
    for X, y in loader:
        y_hat = net(X)
        total_loss += loss_fn(y_hat, y).item() * len(y)
        correct += (y_hat.argmax(dim=1) == y).sum().item()
    return total_loss / len(loader.dataset), correct / len(loader.dataset)


# --8<-- [end:evaluate]

# --8<-- [start:model]
net = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
before = evaluate(net, val_loader, loss_fn)
print(f"before training: val loss {before[0]:.4f}, val accuracy {before[1]:.4f}")
print(f"ln(10) = {math.log(10):.4f}")
assert abs(before[0] - math.log(10)) < 0.1 and before[1] < 0.2  # a guess among 10 classes
assert round(math.log(10), 1) == 2.3
# --8<-- [end:model]

# --8<-- [start:loop]
num_epochs = 100
patience = 5  # epochs without a better validation loss before stopping
history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
best_loss, best_epoch, best_state = float("inf"), 0, None
for epoch in range(1, num_epochs + 1):
    train_loss, train_acc = train_one_epoch(net, train_loader, loss_fn, optimizer)
    val_loss, val_acc = evaluate(net, val_loader, loss_fn)
    for key, value in zip(history, (train_loss, train_acc, val_loss, val_acc), strict=True):
        history[key].append(value)
    improved = val_loss < best_loss
    print(
        f"epoch {epoch:3d}  train loss {train_loss:.4f} acc {train_acc:.4f}"
        f"  val loss {val_loss:.4f} acc {val_acc:.4f}" + ("  *" if improved else "")
    )
    if improved:
        best_loss, best_epoch = val_loss, epoch
        best_state = copy.deepcopy(net.state_dict())  # a copy, not a reference
    elif epoch - best_epoch >= patience:
        print(f"early stop: {patience} epochs without a better validation loss")
        break
net.load_state_dict(best_state)
stopped_epoch = epoch
# --8<-- [end:loop]

# --8<-- [start:check_stop]
print(
    f"patience {patience}: stops after epoch {stopped_epoch} (of at most {num_epochs}),"
    f" keeps epoch {best_epoch}"
)
assert stopped_epoch == best_epoch + patience < num_epochs
assert min(history["val_loss"]) == best_loss == history["val_loss"][best_epoch - 1]
assert history["train_loss"][-1] < history["train_loss"][best_epoch - 1]  # still improving
assert history["val_loss"][-1] > best_loss  # no later epoch beat the best one
# --8<-- [end:check_stop]

# --8<-- [start:test]
test_loss, test_acc = evaluate(net, test_loader, loss_fn)
print(f"test loss {test_loss:.4f}, test accuracy {test_acc:.4f}")
assert test_acc > 0.95
# --8<-- [end:test]

# --8<-- [start:curves]
epochs = range(1, stopped_epoch + 1)
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(7, 3))
ax_loss.plot(epochs, history["train_loss"], label="train")
ax_loss.plot(epochs, history["val_loss"], label="validation")
ax_acc.plot(epochs, history["train_acc"], label="train")
ax_acc.plot(epochs, history["val_acc"], label="validation")
for ax, name in [(ax_loss, "loss"), (ax_acc, "accuracy")]:
    ax.axvline(best_epoch, color="C2", linestyle="--", label="best epoch")
    ax.set(xlabel="epoch", ylabel=name)
    ax.grid(alpha=0.3)
ax_loss.set_yscale("log")
ax_acc.legend()
fig.tight_layout()
plt.show()
assert history["train_acc"][-1] > history["val_acc"][-1] > 0.95
# --8<-- [end:curves]


# --8<-- [start:exercise_fit]
def fit(net, optimizer, num_epochs, patience, scheduler=None):
    history = {"val_loss": [], "lr": []}
    best_loss, best_epoch, best_state = float("inf"), 0, None
    for epoch in range(1, num_epochs + 1):
        train_one_epoch(net, train_loader, loss_fn, optimizer)
        val_loss, _ = evaluate(net, val_loader, loss_fn)
        history["val_loss"].append(val_loss)
        history["lr"].append(optimizer.param_groups[0]["lr"])
        if scheduler is not None:
            scheduler.step(val_loss)
        if val_loss < best_loss:
            best_loss, best_epoch, best_state = val_loss, epoch, copy.deepcopy(net.state_dict())
        elif epoch - best_epoch >= patience:
            break
    net.load_state_dict(best_state)
    return history, best_epoch


def new_model():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
    return net, torch.optim.Adam(net.parameters(), lr=0.01)


net_1, optimizer_1 = new_model()
history_1, best_epoch_1 = fit(net_1, optimizer_1, num_epochs=100, patience=1)
best_loss_1 = min(history_1["val_loss"])
print(f"patience 1: stops after epoch {len(history_1['val_loss'])}, keeps epoch {best_epoch_1}")
print(f"best validation loss {best_loss_1:.4f} (patience {patience}: {best_loss:.4f})")
assert len(history_1["val_loss"]) < stopped_epoch and best_loss_1 > best_loss
# --8<-- [end:exercise_fit]

# --8<-- [start:exercise_scheduler]
net_2, optimizer_2 = new_model()
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer_2, factor=0.5, patience=1)
history_2, best_epoch_2 = fit(net_2, optimizer_2, num_epochs=15, patience=5, scheduler=scheduler)
for epoch, (lr, val_loss) in enumerate(zip(history_2["lr"], history_2["val_loss"], strict=True), 1):
    if epoch == 1 or lr != history_2["lr"][epoch - 2]:
        print(f"epoch {epoch:3d}: lr {lr:.6f}  val loss {val_loss:.4f}")
print(f"keeps epoch {best_epoch_2}, validation loss {min(history_2['val_loss']):.4f}")
assert history_2["lr"][-1] < history_2["lr"][0]

probe = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(probe, factor=0.5, patience=1)
lrs_seen = []
for val_loss in [1.0, 2.0, 2.0]:  # a best epoch, then two epochs without improvement
    plateau.step(val_loss)
    lrs_seen.append(probe.param_groups[0]["lr"])
print("ReduceLROnPlateau(patience=1), lr after each epoch:", lrs_seen)
assert lrs_seen == [1.0, 1.0, 0.5]  # it acts after patience + 1 bad epochs
# --8<-- [end:exercise_scheduler]

# --8<-- [start:exercise_eval_mode]
X_val, _ = val_set[:8]
net.train()
changes = not torch.equal(net(X_val), net(X_val))  # dropout draws new masks each call
net.eval()
with torch.no_grad():
    same = torch.equal(net(X_val), net(X_val))
print(f"train mode: outputs change between calls: {changes}")
print(f"eval mode: outputs identical: {same}")
assert changes and same
# --8<-- [end:exercise_eval_mode]
