# --8<-- [start:setup]
import copy
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
device = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else "cpu"
batch_size = 64
lr = 0.01
num_epochs = 6
# --8<-- [end:setup]

# --8<-- [start:data]
digits = load_digits()
X_all, y_all = digits.data / 16.0, digits.target  # pixels 0..16 scaled to 0..1
X_trainval, X_test, y_trainval, y_test = train_test_split(
    X_all, y_all, test_size=0.2, stratify=y_all, random_state=0
)
X_train, X_val, y_train, y_val = train_test_split(
    X_trainval, y_trainval, test_size=0.2, stratify=y_trainval, random_state=0
)


def to_tensors(X, y):
    images = torch.tensor(X, dtype=torch.float32).reshape(-1, 1, 8, 8)  # (N, channels, H, W)
    return images, torch.tensor(y)


train_set = TensorDataset(*to_tensors(X_train, y_train))
val_set = TensorDataset(*to_tensors(X_val, y_val))
test_set = TensorDataset(*to_tensors(X_test, y_test))
train_loader = DataLoader(
    train_set, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(0)
)
val_loader = DataLoader(val_set, batch_size=256)
test_loader = DataLoader(test_set, batch_size=256)
print(
    f"{len(X_all)} digits: train {len(train_set)}, validation {len(val_set)}, test {len(test_set)}"
)
print("one batch:", tuple(next(iter(train_loader))[0].shape))
assert (len(train_set), len(val_set), len(test_set)) == (1149, 288, 360) and len(X_all) == 1797
# --8<-- [end:data]


# --8<-- [start:model]
class DigitsCNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1),  # (N, 16, 8, 8)
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 16, 4, 4)
            nn.Conv2d(16, 32, kernel_size=3, padding=1),  # (N, 32, 4, 4)
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 32, 2, 2)
        )
        self.classifier = nn.Linear(32 * 2 * 2, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))  # logits, (N, num_classes)


net = DigitsCNN().to(device)
num_params = sum(p.numel() for p in net.parameters())
print(f"{num_params} parameters")
assert net(torch.zeros(2, 1, 8, 8, device=device)).shape == (2, 10)
# --8<-- [end:model]


# --8<-- [start:train_functions]
def train_one_epoch(net, loader, loss_fn, optimizer):
    """One pass over `loader`, updating `net`; returns the mean loss and accuracy on the way."""
    net.train()
    total_loss, correct, count = 0.0, 0, 0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        optimizer.zero_grad()
        logits = net(X)
        loss = loss_fn(logits, y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(y)
        correct += (logits.argmax(dim=1) == y).sum().item()
        count += len(y)
    return total_loss / count, correct / count


@torch.no_grad()
def evaluate(net, loader, loss_fn):
    """Mean loss, accuracy and every prediction over `loader`, without updating `net`."""
    net.eval()
    total_loss, correct, predictions = 0.0, 0, []
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        logits = net(X)
        total_loss += loss_fn(logits, y).item() * len(y)
        correct += (logits.argmax(dim=1) == y).sum().item()
        predictions.append(logits.argmax(dim=1).cpu())
    count = len(loader.dataset)
    return total_loss / count, correct / count, torch.cat(predictions)


# --8<-- [end:train_functions]

# --8<-- [start:training]
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=lr)
best_loss, best_epoch, best_state, best_val_acc = float("inf"), 0, None, 0.0
for epoch in range(1, num_epochs + 1):
    train_loss, train_acc = train_one_epoch(net, train_loader, loss_fn, optimizer)
    val_loss, val_acc, _ = evaluate(net, val_loader, loss_fn)
    print(
        f"epoch {epoch:2d}  train loss {train_loss:.4f} acc {train_acc:.4f}"
        f"  val loss {val_loss:.4f} acc {val_acc:.4f}"
    )
    if val_loss < best_loss:  # keep a copy of the best weights so far
        best_loss, best_epoch, best_state = val_loss, epoch, copy.deepcopy(net.state_dict())
        best_val_acc = val_acc
net.load_state_dict(best_state)
print(f"kept the weights of epoch {best_epoch} (validation loss {best_loss:.4f})")
fit_loss, fit_acc, _ = evaluate(net, DataLoader(train_set, batch_size=256), loss_fn)
print(f"kept weights on the training set:   loss {fit_loss:.4f}, accuracy {fit_acc:.4f}")
print(f"kept weights on the validation set: loss {best_loss:.4f}, accuracy {best_val_acc:.4f}")
assert fit_loss < best_loss / 2  # the images it learnt from are fitted better than new ones
# --8<-- [end:training]

# --8<-- [start:save]
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "digits-cnn.pt"
    torch.save(net.state_dict(), path)
    model = DigitsCNN().to(device)
    model.load_state_dict(torch.load(path, map_location=device))
for (name, saved), loaded in zip(
    net.state_dict().items(), model.state_dict().values(), strict=True
):
    assert torch.equal(saved, loaded), name
print("saved and reloaded", len(model.state_dict()), "tensors")
assert len(model.state_dict()) == 16  # 10 weights and biases, 6 batch-norm statistics
# --8<-- [end:save]

# --8<-- [start:test]
test_loss, cnn_acc, y_hat = evaluate(model, test_loader, loss_fn)
y_hat = y_hat.numpy()

baseline = LogisticRegression(max_iter=1000).fit(X_train, y_train)
baseline_acc = baseline.score(X_test, y_test)

print(f"test accuracy, {len(y_test)} digits never used for training or choosing:")
print(f"  small CNN            {cnn_acc:.4f}")
print(f"  logistic regression  {baseline_acc:.4f}")
assert cnn_acc > 0.97 and baseline_acc > 0.95
assert 1 - cnn_acc < (1 - baseline_acc) / 2  # fewer than half the baseline's mistakes
# --8<-- [end:test]

# --8<-- [start:confusion]
cm = confusion_matrix(y_test, y_hat)
fig, ax = plt.subplots(figsize=(4.5, 4))
ax.imshow(cm, cmap="Blues")
for true, row in enumerate(cm):
    for pred, count in enumerate(row):
        if count:
            color = "white" if count > cm.max() / 2 else "0.15"
            ax.text(pred, true, count, ha="center", va="center", fontsize=8, color=color)
ax.set(xticks=range(10), yticks=range(10), xlabel="predicted digit", ylabel="true digit")
plt.show()
print("correct per digit (the diagonal):", cm.diagonal().tolist())
print(f"fewest correct {cm.diagonal().min()}, most correct {cm.diagonal().max()}")
assert cm.sum() == len(y_test) and np.trace(cm) == (y_hat == y_test).sum()
# --8<-- [end:confusion]

# --8<-- [start:mistakes]
wrong = np.flatnonzero(y_hat != y_test)
print(f"{len(wrong)} of {len(y_test)} test digits misclassified")
fig, axes = plt.subplots(1, max(len(wrong), 1), figsize=(0.8 * max(len(wrong), 2), 1.3))
axes = np.atleast_1d(axes)
for ax, i in zip(axes, wrong, strict=False):
    ax.imshow(X_test[i].reshape(8, 8), cmap="gray_r")
    ax.set_title(f"{y_test[i]}→{y_hat[i]}", fontsize=9)
if len(wrong) == 0:  # a perfect score: nothing to draw, and no empty row of axes
    axes[0].text(0.5, 0.5, "no mistakes", ha="center", va="center")
for ax in axes:
    ax.axis("off")
plt.show()
assert len(wrong) == round((1 - cnn_acc) * len(y_test))
# --8<-- [end:mistakes]

# --8<-- [start:exercise_svc]
svc_val_acc = SVC().fit(X_train, y_train).score(X_val, y_val)  # chosen on validation
logistic_val_acc = baseline.score(X_val, y_val)
print("validation accuracy:")
print(f"  logistic regression     {logistic_val_acc:.4f}")
print(f"  support vector machine  {svc_val_acc:.4f}")
print(f"  small CNN, kept epoch   {best_val_acc:.4f}")
gap = round(abs(best_val_acc - svc_val_acc) * len(y_val))  # in validation images
print(f"SVC and CNN differ by {gap} of {len(y_val)} validation images")
assert logistic_val_acc < svc_val_acc and gap <= 3
# --8<-- [end:exercise_svc]

# --8<-- [start:exercise_per_class]
per_class = cm.diagonal() / cm.sum(axis=1)
mistakes = cm.sum(axis=1) - cm.diagonal()  # test images of each digit it got wrong
for digit, acc in enumerate(per_class):
    print(f"digit {digit}: {acc:.3f}, {mistakes[digit]} wrong")
print("most mistakes on one digit:", mistakes.max())
assert per_class.min() < 1.0 and per_class.argmin() in y_test[wrong]
assert mistakes.sum() == len(wrong)
# --8<-- [end:exercise_per_class]


# --8<-- [start:exercise_predict]
@torch.no_grad()
def predict(net, image):
    """The digit in one 8x8 image with pixels 0..16, as scikit-learn's load_digits gives them."""
    net.eval()
    x = torch.tensor(image / 16.0, dtype=torch.float32).reshape(1, 1, 8, 8).to(device)
    return net(x).argmax(dim=1).item()


first = predict(model, digits.data[0])
print("digits.data[0] is a", digits.target[0], "- the network says", first)
assert [predict(model, X_test[i] * 16) for i in range(5)] == list(y_hat[:5])
# --8<-- [end:exercise_predict]
