# --8<-- [start:setup]
import copy

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

torch.manual_seed(0)
# --8<-- [end:setup]

# --8<-- [start:splits]
digits = load_digits()
X = torch.tensor(digits.data / 16.0, dtype=torch.float32)  # (1797, 64): flattened 8 x 8 images
y = torch.tensor(digits.target)
X_train, X_rest, y_train, y_rest = train_test_split(
    X, y, train_size=300, random_state=0, stratify=y
)
X_val, X_test, y_val, y_test = train_test_split(
    X_rest, y_rest, test_size=0.5, random_state=0, stratify=y_rest
)
print(f"train {len(X_train)}, validation {len(X_val)}, test {len(X_test)}")
assert (len(X_train), len(X_val), len(X_test)) == (300, 748, 749) and len(X) == 1797
# --8<-- [end:splits]


# --8<-- [start:model]
def make_net(dropout=0.0):
    return nn.Sequential(
        nn.Linear(64, 64), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(64, 64), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(64, 10),
    )  # fmt: skip


initial_weights = copy.deepcopy(make_net().state_dict())  # every run starts from these
loss_fn = nn.CrossEntropyLoss()
lr, num_epochs = 0.01, 100
num_weights = sum(p.numel() for p in make_net().parameters())
print(f"{num_weights} parameters for {len(X_train)} training images")
assert num_weights == (64 * 64 + 64) + (64 * 64 + 64) + (64 * 10 + 10) == 8970
# --8<-- [end:model]

# --8<-- [start:train_loop]


def evaluate(net, X, y):
    net.eval()  # switches dropout off
    with torch.no_grad():
        y_hat = net(X)
    return loss_fn(y_hat, y).item(), (y_hat.argmax(dim=1) == y).float().mean().item()


def train(dropout=0.0, weight_decay=0.0, patience=None):
    net = make_net(dropout)
    net.load_state_dict(initial_weights)
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=weight_decay)
    train_losses, val_losses = [], []
    best_loss, best_weights, epochs_without_improvement = float("inf"), None, 0
    for _ in range(num_epochs):
        net.train()  # dropout on
        loss = loss_fn(net(X_train), y_train)  # the whole training set is one batch
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        train_losses.append(loss.item())
        val_losses.append(evaluate(net, X_val, y_val)[0])
        if val_losses[-1] < best_loss:  # an improvement: lower than every epoch before
            best_loss, best_weights = val_losses[-1], copy.deepcopy(net.state_dict())
            epochs_without_improvement = 0
        else:
            epochs_without_improvement += 1
        if patience is not None and epochs_without_improvement == patience:
            break  # patience epochs in a row without improvement: stop
    if patience is not None:
        net.load_state_dict(best_weights)  # early stopping keeps the best epoch's weights
    return net, train_losses, val_losses


def report(name, net):
    train_loss, train_acc = evaluate(net, X_train, y_train)
    val_loss, val_acc = evaluate(net, X_val, y_val)
    gap = val_loss - train_loss
    print(
        f"{name:<14} loss: train {train_loss:.3f} val {val_loss:.3f} gap {gap:.3f}"
        f" | accuracy: train {train_acc:.3f} val {val_acc:.3f}"
    )
    return {
        "net": net,
        "train_loss": train_loss,
        "val_loss": val_loss,
        "train_acc": train_acc,
        "val_acc": val_acc,
        "loss_gap": gap,
    }


# --8<-- [end:train_loop]

# --8<-- [start:overfit]
net_plain, plain_train, plain_curve = train()
plain = report("no remedy", net_plain)
best_epoch = min(range(num_epochs), key=plain_curve.__getitem__)
print(f"validation loss is lowest after epoch {best_epoch + 1}: {plain_curve[best_epoch]:.3f}")
assert plain_curve[-1] > 1.3 * plain_curve[best_epoch]  # it rose again: overfitting
assert plain_train[-1] < 0.01 and plain["train_acc"] == 1.0 and 15 <= best_epoch + 1 <= 30
# --8<-- [end:overfit]

# --8<-- [start:overfit_figure]
epochs = range(1, num_epochs + 1)
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(epochs, plain_train, color="C0", label="train")
ax.plot(epochs, plain_curve, color="C1", label="validation")
ax.axvline(best_epoch + 1, color="C2", linestyle="--", label="lowest validation loss")
ax.set(xlabel="epoch", ylabel="cross-entropy loss", ylim=(0, 1))
ax.legend()
plt.show()
# --8<-- [end:overfit_figure]

# --8<-- [start:weight_decay]
net_decay, _, decay_curve = train(weight_decay=1.0)
decay = report("weight decay", net_decay)
assert decay["loss_gap"] < plain["loss_gap"] / 1.5 and decay["train_loss"] > plain["train_loss"]
as_vector = nn.utils.parameters_to_vector  # all the weights of a network in one vector
assert as_vector(net_decay.parameters()).norm() < as_vector(net_plain.parameters()).norm()
w = torch.ones(3, requires_grad=True)
w.grad = torch.zeros(3)  # a zero gradient: only the decay acts
torch.optim.AdamW([w], lr=lr, weight_decay=1.0).step()
assert torch.allclose(w, torch.full((3,), 0.99))  # every step multiplies each weight by 0.99
# --8<-- [end:weight_decay]

# --8<-- [start:dropout]
net_dropout, _, dropout_curve = train(dropout=0.5)
dropout = report("dropout", net_dropout)
assert dropout["loss_gap"] < plain["loss_gap"] / 1.5
with torch.random.fork_rng():  # a side check: the runs keep their random numbers
    out = nn.Dropout(0.5)(torch.ones(1000))  # a new module is in training mode
assert set(out.tolist()) == {0.0, 2.0}  # dropped, or multiplied by 1 / (1 - 0.5) = 2
# --8<-- [end:dropout]

# --8<-- [start:early_stopping]
patience = 10
net_early, _, early_curve = train(patience=patience)
early = report("early stopping", net_early)
stopped = len(early_curve)
kept = min(range(stopped), key=early_curve.__getitem__) + 1  # the epoch with the lowest val loss
print(f"stopped after epoch {stopped}, went back to the weights of epoch {kept}")
assert stopped == kept + patience  # the convention: patience epochs without improvement, then stop
assert abs(early["val_loss"] - early_curve[kept - 1]) < 1e-6  # the best epoch's weights
assert stopped < num_epochs / 2 and early["val_loss"] < plain["val_loss"] / 1.3
# the same run as "no remedy", cut short (to rounding: threads may add in another order)
assert torch.allclose(torch.tensor(early_curve), torch.tensor(plain_curve[:stopped]), rtol=1e-5)
# --8<-- [end:early_stopping]

# --8<-- [start:compare_figure]
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(epochs, plain_curve, color="C1", label="no remedy")
ax.plot(epochs, decay_curve, color="C0", label="weight decay")
ax.plot(epochs, dropout_curve, color="C3", label="dropout")
ax.plot(kept, early["val_loss"], "o", color="C2", label="early stopping keeps")
ax.set(xlabel="epoch", ylabel="validation loss", ylim=(0, 1))
ax.legend()
plt.show()
plain_rise = plain_curve[-1] - min(plain_curve)  # how far the validation loss climbs back up
for curve in (decay_curve, dropout_curve):
    assert curve[-1] < 0.75 * plain_curve[-1] and curve[-1] - min(curve) < plain_rise / 4
# --8<-- [end:compare_figure]

# --8<-- [start:test]
results = {"no remedy": plain, "weight decay": decay, "dropout": dropout, "early stopping": early}
accuracies = [r["val_acc"] for r in results.values()]
print(f"validation accuracies span {min(accuracies):.3f} to {max(accuracies):.3f}")
assert max(accuracies) - min(accuracies) < 0.03

chosen = min(results, key=lambda name: results[name]["val_loss"])
test_loss, test_acc = evaluate(results[chosen]["net"], X_test, y_test)  # the test set, used once
print(
    f"chosen on validation loss: {chosen}; test loss {test_loss:.3f}, test accuracy {test_acc:.3f}"
)
assert chosen in ("weight decay", "dropout") and test_acc > 0.9
# --8<-- [end:test]

# --8<-- [start:exercise_1]
net_both, _, both_curve = train(weight_decay=1.0, dropout=0.5)
both = report("both", net_both)
assert both["loss_gap"] < min(decay["loss_gap"], dropout["loss_gap"], plain["loss_gap"] / 1.5)
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
net_impatient, _, impatient_curve = train(patience=2)
impatient = report("patience 2", net_impatient)
print(f"patience 2 stops after epoch {len(impatient_curve)} instead of {stopped}")
assert len(impatient_curve) == kept + 2 < stopped
assert abs(impatient["val_loss"] - early["val_loss"]) < 1e-5 * early["val_loss"]
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
net = make_net(dropout=0.5)
net.train()
print("train mode, same input twice, same output?", torch.equal(net(X_val[:1]), net(X_val[:1])))
net.eval()
print("eval mode,  same input twice, same output?", torch.equal(net(X_val[:1]), net(X_val[:1])))
net.train()
assert not torch.equal(net(X_val[:1]), net(X_val[:1]))
net.eval()
assert torch.equal(net(X_val[:1]), net(X_val[:1]))
# --8<-- [end:exercise_3]


# --8<-- [start:exercise_4]
X_ten = torch.stack([X_train[y_train == digit][0] for digit in range(10)])  # one image per digit
y_ten = torch.arange(10)
net = make_net()
optimizer = torch.optim.Adam(net.parameters(), lr=lr)
for epoch in range(100):
    loss = loss_fn(net(X_ten), y_ten)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch + 1 in (1, 10, 50, 100):
        print(f"epoch {epoch + 1:>3}: training loss on 10 images {loss.item():.2e}")
ten_loss, ten_acc = evaluate(net, X_ten, y_ten)
print(f"after training: loss {ten_loss:.2e}, accuracy {ten_acc:.1f}")
assert ten_loss < 0.01 and ten_acc == 1.0  # memorised: the model, loss and loop can learn
# --8<-- [end:exercise_4]
