# --8<-- [start:setup]
import tempfile
from pathlib import Path

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

digits = load_digits()
X = torch.tensor(digits.data, dtype=torch.float32) / 16.0
y = torch.tensor(digits.target)
order = torch.randperm(len(X), generator=torch.Generator().manual_seed(0))
train_set = TensorDataset(X[order[:1400]], y[order[:1400]])
X_new, y_new = X[order[1400:]], y[order[1400:]]  # unseen digits, for the inference part
batch_size = 64
print(f"{len(train_set)} digits to train on, {len(X_new)} kept aside")
assert (len(train_set), len(X_new)) == (1400, 397)
# --8<-- [end:setup]


# --8<-- [start:helpers]
def make_everything(seed=0):
    """A fresh model, optimizer and shuffling generator, exactly as a new run starts."""
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10))
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=generator)
    return net, optimizer, loader, generator


def train_epoch(net, optimizer, loader):
    loss_fn = nn.CrossEntropyLoss()
    net.train()
    for X, y in loader:
        optimizer.zero_grad()
        loss_fn(net(X), y).backward()
        optimizer.step()
    return loss_fn(net(X), y).item()  # loss on the last batch, for the log


def same_weights(net_a, net_b):
    return all(
        torch.equal(a, b)
        for a, b in zip(net_a.state_dict().values(), net_b.state_dict().values(), strict=True)
    )


# --8<-- [end:helpers]

# --8<-- [start:straight]
net_a, optimizer_a, loader_a, _ = make_everything()
for epoch in range(1, 5):
    print(f"epoch {epoch}: last batch loss {train_epoch(net_a, optimizer_a, loader_a):.4f}")
# --8<-- [end:straight]

# --8<-- [start:save]
folder = tempfile.TemporaryDirectory()  # deleted at the end; in a project, a real folder
checkpoint_path = Path(folder.name) / "checkpoint.pt"

net, optimizer, loader, generator = make_everything()
for epoch in range(1, 3):
    print(f"epoch {epoch}: last batch loss {train_epoch(net, optimizer, loader):.4f}")
checkpoint = {
    "epoch": epoch,
    "model": net.state_dict(),
    "optimizer": optimizer.state_dict(),
    "generator": generator.get_state(),  # where the shuffling is up to
    "torch_rng": torch.get_rng_state(),  # where dropout's random masks are up to
}
torch.save(checkpoint, checkpoint_path)
print("saved", sorted(checkpoint), "after epoch", epoch)
del net, optimizer, loader, generator  # pretend the program crashed here
# --8<-- [end:save]

# --8<-- [start:inside]
state = checkpoint["optimizer"]["state"][0]  # Adam's memory for the first weight matrix
print("Adam keeps, per parameter:", sorted(state))
print("exp_avg shape:", tuple(state["exp_avg"].shape), "step:", int(state["step"]))
memory = sum(
    per_param["exp_avg"].numel() + per_param["exp_avg_sq"].numel()
    for per_param in checkpoint["optimizer"]["state"].values()
)
weights = sum(t.numel() for t in checkpoint["model"].values())
print(f"{weights} numbers in the model, {memory} in Adam's memory")
assert state["exp_avg"].shape == checkpoint["model"]["0.weight"].shape and memory == 2 * weights
# --8<-- [end:inside]

# --8<-- [start:resume]
net, optimizer, loader, generator = make_everything(seed=123)  # new objects, other weights
checkpoint = torch.load(checkpoint_path)
net.load_state_dict(checkpoint["model"])
optimizer.load_state_dict(checkpoint["optimizer"])
generator.set_state(checkpoint["generator"])
torch.set_rng_state(checkpoint["torch_rng"])
start_epoch = checkpoint["epoch"] + 1
for epoch in range(start_epoch, 5):
    print(f"epoch {epoch}: last batch loss {train_epoch(net, optimizer, loader):.4f}")

print("identical to the straight run:", same_weights(net, net_a))
assert same_weights(net, net_a)
# --8<-- [end:resume]

# --8<-- [start:forgot_optimizer]
net_b, optimizer_b, loader_b, generator_b = make_everything(seed=123)
net_b.load_state_dict(checkpoint["model"])  # weights only: Adam starts from zero again
generator_b.set_state(checkpoint["generator"])
torch.set_rng_state(checkpoint["torch_rng"])
for _ in range(start_epoch, 5):
    train_epoch(net_b, optimizer_b, loader_b)
largest = max(
    (a - b).abs().max().item()
    for a, b in zip(net_b.state_dict().values(), net_a.state_dict().values(), strict=True)
)
print("identical without the optimizer state:", same_weights(net_b, net_a))
print(f"largest difference in a weight: {largest:.4f}")
assert not same_weights(net_b, net_a)
# --8<-- [end:forgot_optimizer]

# --8<-- [start:inference]
weights_path = Path(folder.name) / "digits-mlp.pt"
torch.save(net.state_dict(), weights_path)  # for inference the weights are enough

model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10))
model.load_state_dict(torch.load(weights_path, map_location="cpu"))
model.eval()
with torch.no_grad():
    y_hat = model(X_new).argmax(dim=1)
accuracy = (y_hat == y_new).float().mean().item()
print("first predictions:", y_hat[:10].tolist())
print("true digits:      ", y_new[:10].tolist())
print(f"accuracy on {len(y_new)} unseen digits: {accuracy:.4f}")
assert torch.equal(y_hat, net.eval()(X_new).argmax(dim=1)) and accuracy > 0.9
folder.cleanup()
# --8<-- [end:inference]

# --8<-- [start:exercise_generator]
net_c, optimizer_c, loader_c, _ = make_everything(seed=123)
net_c.load_state_dict(checkpoint["model"])
optimizer_c.load_state_dict(checkpoint["optimizer"])
torch.set_rng_state(checkpoint["torch_rng"])  # but the shuffling starts over
for _ in range(start_epoch, 5):
    train_epoch(net_c, optimizer_c, loader_c)
print("identical without the generator state:", same_weights(net_c, net_a))
assert not same_weights(net_c, net_a)

net_d, optimizer_d, loader_d, generator_d = make_everything(seed=123)
net_d.load_state_dict(checkpoint["model"])
optimizer_d.load_state_dict(checkpoint["optimizer"])
generator_d.set_state(checkpoint["generator"])  # but dropout's masks start over
for _ in range(start_epoch, 5):
    train_epoch(net_d, optimizer_d, loader_d)
print("identical without torch's global random state:", same_weights(net_d, net_a))
assert not same_weights(net_d, net_a)
# --8<-- [end:exercise_generator]

# --8<-- [start:exercise_latest]
with tempfile.TemporaryDirectory() as run_folder:
    net, optimizer, loader, generator = make_everything()
    for epoch in range(1, 4):  # this run "crashes" after epoch 3
        train_epoch(net, optimizer, loader)
        checkpoint = {
            "epoch": epoch,
            "model": net.state_dict(),
            "optimizer": optimizer.state_dict(),
            "generator": generator.get_state(),
            "torch_rng": torch.get_rng_state(),
        }
        torch.save(checkpoint, Path(run_folder) / f"checkpoint-epoch-{epoch:03d}.pt")

    files = sorted(Path(run_folder).glob("checkpoint-epoch-*.pt"))
    print("found:", [f.name for f in files])
    net, optimizer, loader, generator = make_everything(seed=123)
    checkpoint = torch.load(files[-1])  # zero-padded numbers sort in epoch order
    net.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    generator.set_state(checkpoint["generator"])
    torch.set_rng_state(checkpoint["torch_rng"])
    for epoch in range(checkpoint["epoch"] + 1, 5):
        print(f"epoch {epoch}: last batch loss {train_epoch(net, optimizer, loader):.4f}")
print(f"resumed from epoch {checkpoint['epoch']}, identical:", same_weights(net, net_a))
assert same_weights(net, net_a)
# --8<-- [end:exercise_latest]

# --8<-- [start:exercise_mismatch]
wider = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
try:
    wider.load_state_dict(net_a.state_dict())
except RuntimeError as error:
    message = str(error)
    print(message.splitlines()[0])
    print(message.splitlines()[1].strip())
assert "size mismatch" in message
# --8<-- [end:exercise_mismatch]
