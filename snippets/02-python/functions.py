# --8<-- [start:def_return]
def mse(y_hat, y):
    """Mean squared error between two equal-length lists of numbers."""
    total = 0.0
    for prediction, target in zip(y_hat, y, strict=True):
        total += (prediction - target) ** 2
    return total / len(y)


loss = mse([2.5, 0.0, 2.0], [3.0, -0.5, 2.0])
print(f"mse = {loss:.4f}")
print(mse.__doc__)
assert abs(loss - 1 / 6) < 1e-12
# --8<-- [end:def_return]


# --8<-- [start:defaults_keywords]
def describe_run(model, num_epochs=10, lr=0.1, batch_size=32):
    return f"{model}: {num_epochs} epochs, lr={lr}, batch_size={batch_size}"


print(describe_run("mlp"))
print(describe_run("mlp", 20))
print(describe_run("mlp", lr=0.01))  # skip num_epochs, set lr by name
print(describe_run(batch_size=64, model="cnn"))  # keywords in any order
assert describe_run("mlp", lr=0.01) == "mlp: 10 epochs, lr=0.01, batch_size=32"
# --8<-- [end:defaults_keywords]


# --8<-- [start:keyword_only]
def make_optimizer(params, *, lr, momentum=0.0):
    return {"params": params, "lr": lr, "momentum": momentum}


print(make_optimizer(["w", "b"], lr=0.1))
try:
    make_optimizer(["w", "b"], 0.1)
except TypeError as error:
    print("TypeError:", error)
else:
    raise AssertionError("lr was accepted by position")
assert make_optimizer([], lr=0.1, momentum=0.9)["momentum"] == 0.9
# --8<-- [end:keyword_only]


# --8<-- [start:args_kwargs]
def log(*values, **fields):
    print("values:", values, "| fields:", fields)


log(1, 2, 3, epoch=4, loss=0.25)

config = {"num_epochs": 5, "lr": 0.05}
print(describe_run("mlp", **config))  # a dict spread into keyword arguments
sizes = [64, 32, 10]
print(max(*sizes), "is the same as", max(sizes))  # a list spread into positions


def with_defaults(**overrides):
    return describe_run("mlp", **{"num_epochs": 3, **overrides})


print(with_defaults(lr=0.5))
assert with_defaults(lr=0.5) == "mlp: 3 epochs, lr=0.5, batch_size=32"
# --8<-- [end:args_kwargs]


# --8<-- [start:return_tuple]
def evaluate(y_hat, y):
    loss = mse(y_hat, y)
    accuracy = sum(round(p) == t for p, t in zip(y_hat, y, strict=True)) / len(y)
    return loss, accuracy


loss, accuracy = evaluate([0.9, 0.2, 0.7, 0.4], [1, 0, 0, 0])
print(f"loss {loss:.4f}  accuracy {accuracy:.2f}")
result = evaluate([0.9, 0.2, 0.7, 0.4], [1, 0, 0, 0])
print(type(result).__name__, len(result))
assert (round(loss, 4), accuracy) == (0.175, 0.75)
# --8<-- [end:return_tuple]


# --8<-- [start:functions_as_values]
def mae(y_hat, y):
    return sum(abs(p - t) for p, t in zip(y_hat, y, strict=True)) / len(y)


def report(loss_fn, y_hat, y):
    return f"{loss_fn.__name__}: {loss_fn(y_hat, y):.4f}"


for loss_fn in [mse, mae]:
    print(report(loss_fn, [2.5, 0.0, 2.0], [3.0, -0.5, 2.0]))

runs = [{"lr": 0.1, "val_loss": 0.41}, {"lr": 0.01, "val_loss": 0.35}, {"lr": 1.0, "val_loss": 2.3}]
best_run = min(runs, key=lambda run: run["val_loss"])
print("best run:", best_run)
assert best_run["lr"] == 0.01
# --8<-- [end:functions_as_values]


# --8<-- [start:closures]
def make_exponential_decay(gamma):
    def factor(epoch):
        return gamma**epoch  # gamma is remembered from make_exponential_decay

    return factor


def make_step_decay(step_size, gamma):
    def factor(epoch):
        return gamma ** (epoch // step_size)  # step_size and gamma are remembered

    return factor


def lr_table(base_lr, factor, num_epochs):
    return [round(base_lr * factor(epoch), 4) for epoch in range(num_epochs)]


base_lr = 0.1
exponential = make_exponential_decay(0.5)
step = make_step_decay(2, 0.5)
print("exponential decay:", lr_table(base_lr, exponential, 6))
print("step decay:       ", lr_table(base_lr, step, 6))
print("warm-up:          ", lr_table(base_lr, lambda epoch: min(1.0, (epoch + 1) / 4), 6))
assert lr_table(base_lr, exponential, 4) == [0.1, 0.05, 0.025, 0.0125]
assert lr_table(base_lr, step, 6) == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
# --8<-- [end:closures]


# --8<-- [start:lambda_lr]
import torch  # noqa: E402 - imported where the lesson first needs it

w = torch.zeros(1, requires_grad=True)
optimizer = torch.optim.SGD([w], lr=base_lr)
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=step)
lrs = []
for _epoch in range(6):
    lrs.append(round(optimizer.param_groups[0]["lr"], 4))
    optimizer.step()  # (training for one epoch would go here)
    scheduler.step()
print("LambdaLR learning rates:", lrs)
assert lrs == lr_table(base_lr, step, 6)  # LambdaLR sets lr = base_lr * factor(epoch)
# --8<-- [end:lambda_lr]


# --8<-- [start:type_hints]
def accuracy_of(y_hat: list[int], y: list[int]) -> float:
    """Fraction of predictions equal to their label."""
    return sum(p == t for p, t in zip(y_hat, y, strict=True)) / len(y)


print(accuracy_of.__annotations__)
print(f"{accuracy_of((1, 2, 3), (1, 2, 0)):.4f}")  # tuples, not lists: Python does not check hints
assert accuracy_of([1, 2, 3, 4], [1, 2, 3, 0]) == 0.75
# --8<-- [end:type_hints]


# --8<-- [start:exercise_1]
def accuracy(scores: list[list[float]], y: list[int]) -> float:
    """Accuracy of per-class scores: the predicted class is the one with the highest score."""
    y_hat = [row.index(max(row)) for row in scores]
    return sum(p == t for p, t in zip(y_hat, y, strict=True)) / len(y)


scores = [[0.1, 0.7, 0.2], [0.8, 0.1, 0.1], [0.3, 0.3, 0.4], [0.2, 0.5, 0.3]]
print(f"accuracy {accuracy(scores, [1, 0, 2, 0]):.2f}")
assert accuracy(scores, [1, 0, 2, 0]) == 0.75
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
DEFAULTS = {"lr": 0.1, "batch_size": 32, "num_epochs": 10}


def make_config(**overrides):
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    return {**DEFAULTS, **overrides}


print(make_config(lr=0.01))
try:
    make_config(lr=0.01, bacth_size=64)
except TypeError as error:
    print("TypeError:", error)
else:
    raise AssertionError("the misspelt setting was accepted")
assert make_config(num_epochs=3) == {"lr": 0.1, "batch_size": 32, "num_epochs": 3}
assert DEFAULTS["lr"] == 0.1  # the defaults themselves were not changed
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
results = [("mlp", 0.91), ("cnn", 0.97), ("linear", 0.88)]
ranked = sorted(results, key=lambda pair: pair[1], reverse=True)
print(ranked)
assert [name for name, _ in ranked] == ["cnn", "mlp", "linear"]
# --8<-- [end:exercise_3]
