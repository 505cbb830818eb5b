# --8<-- [start:setup]
import copy
import math

# --8<-- [end:setup]

# --8<-- [start:numbers]
num_samples = 1797
batch_size = 64
lr = 0.001

print(type(num_samples).__name__, type(lr).__name__)
print("true division:  ", num_samples / batch_size)
print("floor division: ", num_samples // batch_size, "full batches")
print("remainder:      ", num_samples % batch_size, "samples left over")
print("power:          ", 2**10)
print("0.1 + 0.2 =", 0.1 + 0.2)
assert num_samples // batch_size == 28 and num_samples % batch_size == 5
assert 0.1 + 0.2 != 0.3  # floats are binary fractions: compare with a tolerance
assert math.isclose(0.1 + 0.2, 0.3) and 0.25 + 0.25 == 0.5  # halves and quarters are exact
# --8<-- [end:numbers]

# --8<-- [start:strings]
model_name = "tiny-mlp"
epoch, loss, acc = 3, 0.123456, 0.9375
print(f"{model_name}: epoch {epoch:3d} | loss {loss:.4f} | acc {acc:.1%} | lr {lr:.0e}")
print(f"{epoch=}, {loss=}")
print(model_name.split("-"), " / ".join(["train", "val", "test"]), model_name.upper())
assert f"{loss:.4f}" == "0.1235" and f"{acc:.1%}" == "93.8%"
# --8<-- [end:strings]

# --8<-- [start:lists]
losses = [2.31, 1.52, 0.97, 0.64, 0.51]
losses.append(0.46)
print("len:", len(losses), "| first:", losses[0], "| last:", losses[-1])
print("first three:", losses[:3])
print("last two:   ", losses[-2:])
print("every other:", losses[::2])
print("reversed:   ", losses[::-1])
assert len(losses) == 6 and losses[-1] == 0.46 and losses[1:3] == [1.52, 0.97]
# --8<-- [end:lists]

# --8<-- [start:tuples]
shape = (64, 1, 8, 8)  # batch, channels, height, width
batch, channels, height, width = shape
print("batch:", batch, "| pixels per image:", channels * height * width)
first, *rest = shape
print("first:", first, "| rest:", rest)
best_loss, best_epoch = 0.46, 6
best_loss, best_epoch = best_epoch, best_loss  # swap: the right side is built first
print("swapped:", best_loss, best_epoch)
try:
    shape[0] = 32
except TypeError as error:
    print("TypeError:", error)
else:
    raise AssertionError("a tuple was changed after all")
assert rest == [1, 8, 8] and (best_loss, best_epoch) == (6, 0.46)
assert isinstance((5,), tuple) and isinstance((5), int)  # commas make a tuple
# --8<-- [end:tuples]

# --8<-- [start:dicts]
config = {"lr": 0.1, "batch_size": 64, "num_epochs": 5}
config["optimizer"] = "sgd"
print("lr:", config["lr"], "| momentum:", config.get("momentum", 0.0))
for key, value in config.items():
    print(f"  {key:>10} = {value}")
history = {"train_loss": [], "val_loss": []}
history["train_loss"].append(0.7)
print(history)
try:
    config["momentum"]
except KeyError as error:
    print("KeyError:", error)
else:
    raise AssertionError("config has a momentum after all")
assert "momentum" not in config and list(config) == ["lr", "batch_size", "num_epochs", "optimizer"]
# --8<-- [end:dicts]

# --8<-- [start:aliasing]
weights = [0.5, -0.3]
best_weights = weights  # a second name for the SAME list, not a copy
weights[0] -= 0.1  # a training step changes the list in place
print("weights:     ", weights)
print("best_weights:", best_weights, "| same object:", best_weights is weights)
assert best_weights == [0.4, -0.3]  # the "best" weights moved with training

weights = [0.5, -0.3]
best_weights = weights.copy()  # a new list with the same values
weights[0] -= 0.1
print("after .copy():", best_weights, "| same object:", best_weights is weights)
assert best_weights == [0.5, -0.3]
# --8<-- [end:aliasing]


# --8<-- [start:mutable_default]
def record(loss, history=[]):  # noqa: B006 - the bug, on purpose
    history.append(loss)
    return history


run_1 = record(0.9)
run_2 = record(0.8)  # a new run... that shares the same default list
print("run_1:", run_1, "| run_2:", run_2)
assert run_2 == [0.9, 0.8] and run_1 is run_2


def record_fixed(loss, history=None):
    if history is None:
        history = []  # a fresh list on every call
    history.append(loss)
    return history


print("fixed:", record_fixed(0.9), record_fixed(0.8))
assert record_fixed(0.8) == [0.8]
# --8<-- [end:mutable_default]

# --8<-- [start:exercise_1]
losses = [2.31, 1.52, 0.97, 0.64, 0.51, 0.46, 0.49]
best = min(losses)
best_epoch = losses.index(best) + 1  # epochs are counted from 1 in logs
print(f"best loss {best:.2f} at epoch {best_epoch} of {len(losses)}")
assert best_epoch == 6
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
shape = (32, 3, 28, 28)
batch, channels, height, width = shape
values_per_image = channels * height * width
print(f"{batch} images x {values_per_image} values = {batch * values_per_image} numbers")
assert values_per_image == 2352 and batch * values_per_image == 75264
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
config = {"lr": 0.1, "layer_sizes": [64, 32, 10]}
shallow = dict(config)  # a new dict, but its values are the same objects
deep = copy.deepcopy(config)  # copies everything, all the way down
config["layer_sizes"].append(5)
print("shallow:", shallow["layer_sizes"])
print("deep:   ", deep["layer_sizes"])
assert shallow["layer_sizes"] == [64, 32, 10, 5] and deep["layer_sizes"] == [64, 32, 10]
# --8<-- [end:exercise_3]
