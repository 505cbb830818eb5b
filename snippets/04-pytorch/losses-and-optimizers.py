# --8<-- [start:setup]
import copy
import math

import matplotlib.pyplot as plt
import torch
from torch import nn

torch.manual_seed(0)
# --8<-- [end:setup]

# --8<-- [start:cross_entropy]
logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0], [1.0, 1.0, 1.0], [-0.5, 2.5, 0.0]])
y = torch.tensor([0, 2, 1, 0])  # class indices, dtype int64
loss_fn = nn.CrossEntropyLoss()
loss = loss_fn(logits, y)

probs = logits.exp() / logits.exp().sum(dim=1, keepdim=True)  # softmax
by_hand = -probs[torch.arange(len(y)), y].log().mean()  # mean of -log p(correct class)
print(f"nn.CrossEntropyLoss: {loss:.4f}   by hand: {by_hand:.4f}")
torch.testing.assert_close(loss, by_hand)
big = 1000 * logits  # e^2000 overflows: the formula above gives nan, PyTorch's loss does not
big_probs = big.exp() / big.exp().sum(dim=1, keepdim=True)
assert not big_probs.isfinite().all()
stable = (big.logsumexp(dim=1) - big[torch.arange(len(y)), y]).mean()  # -log p, never exp(big)
torch.testing.assert_close(loss_fn(big, y), stable)
# --8<-- [end:cross_entropy]

# --8<-- [start:cross_entropy_targets]
one_hot = nn.functional.one_hot(y, num_classes=3).float()  # shape (N, C), rows sum to 1
print(
    "targets as probabilities, shape", tuple(one_hot.shape), f"loss {loss_fn(logits, one_hot):.4f}"
)
torch.testing.assert_close(loss_fn(logits, one_hot), loss)

eps = 0.1
smoothed = (1 - eps) * one_hot + eps / 3  # a little probability on every class
smoothing_loss = nn.CrossEntropyLoss(label_smoothing=eps)(logits, y)
print(
    f"label_smoothing={eps}: {smoothing_loss:.4f}   soft targets: {loss_fn(logits, smoothed):.4f}"
)
torch.testing.assert_close(smoothing_loss, loss_fn(logits, smoothed))

try:
    loss_fn(logits, y.float())  # float labels of shape (N,): neither indices nor probabilities
except RuntimeError as error:
    print("float labels of shape (N,):", error)
    float_labels_fail = True
assert float_labels_fail

try:
    loss_fn(logits, torch.tensor([0, 3, 1, 0]))  # 3 classes: labels 0, 1 and 2 only
except IndexError as error:
    print("label out of range:", error)
    out_of_range_fails = True
assert out_of_range_fails
# --8<-- [end:cross_entropy_targets]

# --8<-- [start:softmax_twice]
num_classes = 10
y = torch.arange(num_classes)
perfect = 20.0 * nn.functional.one_hot(y, num_classes).float()  # sure and right
floor = math.log(1 + (num_classes - 1) / math.e)
right, twice = loss_fn(perfect, y), loss_fn(perfect.softmax(dim=1), y)
print(f"sure and right:  logits {right:.4f}   softmax twice {twice:.4f}")
print(f"lowest loss possible with softmax twice: log(1 + 9/e) = {floor:.4f}")
assert right < 1e-4
torch.testing.assert_close(twice.item(), floor)
assert num_classes - 1 == 9 and round(floor, 4) == 1.4612

wrong = 20.0 * nn.functional.one_hot((y + 1) % num_classes, num_classes).float()  # sure and wrong
gradient_size = {}
for name, transform in [("logits", lambda z: z), ("softmax twice", lambda z: z.softmax(dim=1))]:
    z = wrong.clone().requires_grad_()
    loss_fn(transform(z), y).backward()
    gradient_size[name] = z.grad.norm().item()
    print(f"sure and wrong, {name:13}: gradient size {gradient_size[name]:.2e}")
assert gradient_size["softmax twice"] < 1e-6 * gradient_size["logits"]  # it barely learns
# --8<-- [end:softmax_twice]

# --8<-- [start:sgd_by_hand]
target = torch.tensor([3.0, -1.0])
p = torch.tensor([1.0, 2.0], requires_grad=True)
lr, momentum, weight_decay = 0.1, 0.9, 0.01
optimizer = torch.optim.SGD([p], lr=lr, momentum=momentum, weight_decay=weight_decay)

p_mine, velocity = p.detach().clone(), torch.zeros(2)
for step in range(1, 3):
    optimizer.zero_grad()
    loss = ((p - target) ** 2).sum()
    loss.backward()
    optimizer.step()

    g = 2 * (p_mine - target) + weight_decay * p_mine  # gradient plus weight decay
    velocity = g if step == 1 else momentum * velocity + g
    p_mine = p_mine - lr * velocity
    mine, theirs = [round(v, 4) for v in p_mine.tolist()], [round(v, 4) for v in p.tolist()]
    print(f"step {step}: torch.optim.SGD {theirs}   by hand {mine}")
    torch.testing.assert_close(p.detach(), p_mine)
# --8<-- [end:sgd_by_hand]

# --8<-- [start:adamw_by_hand]
p = torch.tensor([1.0, 2.0], requires_grad=True)
lr, beta1, beta2, eps, weight_decay = 0.1, 0.9, 0.999, 1e-8, 0.01
optimizer = torch.optim.AdamW([p], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
loss = ((p - target) ** 2).sum()
loss.backward()
g = p.grad.clone()
p_mine = p.detach().clone()
optimizer.step()

decayed = p_mine * (1 - lr * weight_decay)  # decoupled weight decay
m = (1 - beta1) * g  # running averages start at zero
v = (1 - beta2) * g**2
m_hat, v_hat = m / (1 - beta1), v / (1 - beta2)  # bias correction, step 1
p_mine = decayed - lr * m_hat / (v_hat.sqrt() + eps)
print(f"gradient {g.tolist()}")
mine, theirs = [round(v, 4) for v in p_mine.tolist()], [round(v, 4) for v in p.tolist()]
print(f"torch.optim.AdamW {theirs}   by hand {mine}")
torch.testing.assert_close(p.detach(), p_mine)
assert g.tolist() == [-4.0, 6.0]
torch.testing.assert_close((p_mine - decayed).abs(), torch.full((2,), lr))  # both moved by lr
# --8<-- [end:adamw_by_hand]

# --8<-- [start:problem]
X = torch.randn(256, 10) * torch.linspace(0.2, 3.0, 10)  # features on very different scales
y = (X @ torch.randn(10, 3)).argmax(dim=1)  # 3 classes
base = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
num_steps = 60


def train(make_optimizer):
    net = copy.deepcopy(base)  # every run starts from the same weights
    optimizer = make_optimizer(net.parameters())
    losses = []
    for _ in range(num_steps):
        loss = loss_fn(net(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return net, losses


# --8<-- [end:problem]

# --8<-- [start:compare]
optimizers = {
    "SGD": lambda params, lr: torch.optim.SGD(params, lr=lr),
    "SGD + momentum 0.9": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
    "Adam": lambda params, lr: torch.optim.Adam(params, lr=lr),
}


def train_with(make_optimizer, lr):
    return train(lambda params: make_optimizer(params, lr))


shared_lr = 0.01
nets, curves = {}, {}
for name, make_optimizer in optimizers.items():
    nets[name], curves[name] = train_with(make_optimizer, shared_lr)
    print(f"{name:19} lr {shared_lr}: loss after {num_steps} steps {curves[name][-1]:.4f}")
assert curves["Adam"][-1] < curves["SGD + momentum 0.9"][-1] < curves["SGD"][-1]
# --8<-- [end:compare]

# --8<-- [start:tuned]
lr_grid = [0.01, 0.1, 1.0, 3.0]
best_lr, tuned = {}, {}
for name, make_optimizer in optimizers.items():
    tuned[name] = {shared_lr: curves[name]}  # lr 0.01 was run above
    for lr in lr_grid[1:]:
        tuned[name][lr] = train_with(make_optimizer, lr)[1]
    finals = {lr: losses[-1] for lr, losses in tuned[name].items()}
    finals = {lr: final if math.isfinite(final) else math.inf for lr, final in finals.items()}
    best_lr[name] = min(finals, key=finals.get)
    shown = {lr: f"{final:.4f}" if final < 100 else "diverged" for lr, final in finals.items()}
    row = "  ".join(f"{lr}: {text}" for lr, text in shown.items())
    print(f"{name:19} lr {row}   best lr {best_lr[name]}")
best = {name: tuned[name][best_lr[name]][-1] for name in optimizers}
assert all(best_lr[name] != shared_lr for name in optimizers)  # 0.01 is best for none
assert best["SGD"] < 0.05 < curves["SGD"][-1]  # tuning closes most of plain SGD's gap
assert best["SGD + momentum 0.9"] < best["SGD"] and best["Adam"] < best["SGD"]
assert all(best[name] < curves[name][-1] / 10 for name in optimizers)  # 10 times lower at least
assert not tuned["SGD"][3.0][-1] < 100 and not tuned["SGD + momentum 0.9"][3.0][-1] < 100

adam_big = tuned["Adam"][3.0]  # Adam at lr 3.0: jumps, but its steps stay about lr in size
low_at_end = sum(loss < 0.01 for loss in adam_big[-10:])
print(f"Adam lr 3.0: highest loss {max(adam_big):.0f}, last 10 steps below 0.01: {low_at_end}")
assert max(adam_big[:5]) > 100 and low_at_end >= 5  # up early, mostly low at the end
# --8<-- [end:tuned]


# --8<-- [start:compare_figure]
fig, (ax_shared, ax_tuned) = plt.subplots(1, 2, figsize=(8, 3.2), sharey=True)
for name in optimizers:
    ax_shared.plot(curves[name], label=name)
    ax_tuned.plot(tuned[name][best_lr[name]], label=f"{name}, lr {best_lr[name]}")
ax_shared.set(title=f"one shared lr, {shared_lr}", xlabel="step", ylabel="training loss")
ax_tuned.set(title="each at its best lr of the grid", xlabel="step", yscale="log")
for ax in (ax_shared, ax_tuned):
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
plt.show()
# --8<-- [end:compare_figure]


# --8<-- [start:weight_decay]
def weight_norm(net):
    return torch.cat([p.detach().flatten() for p in net.parameters()]).norm().item()


net, losses = train(lambda params: torch.optim.AdamW(params, lr=0.01, weight_decay=1.0))
adam_loss, adam_norm = curves["Adam"][-1], weight_norm(nets["Adam"])
print(f"Adam:                    loss {adam_loss:.4f}, weight norm {adam_norm:.4f}")
print(f"AdamW, weight_decay=1.0: loss {losses[-1]:.4f}, weight norm {weight_norm(net):.4f}")
assert weight_norm(net) < adam_norm and losses[-1] > adam_loss
# --8<-- [end:weight_decay]

# --8<-- [start:scheduler]
w = torch.zeros(1, requires_grad=True)
num_epochs = 30
schedules = {
    "StepLR": lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5),
    "CosineAnnealingLR": lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=30),
}
lrs = {}
for name, make_scheduler in schedules.items():
    optimizer = torch.optim.SGD([w], lr=0.1)
    scheduler = make_scheduler(optimizer)
    lrs[name] = []
    for _epoch in range(num_epochs):
        lrs[name].append(scheduler.get_last_lr()[0])
        optimizer.step()  # ... a whole epoch of training steps would go here
        scheduler.step()  # once per epoch, after the optimizer
    picks = [round(lrs[name][epoch], 4) for epoch in (0, 10, 20, 29)]
    print(f"{name:17} lr at epochs 0, 10, 20, 29: {picks}")
assert [round(v, 6) for v in lrs["StepLR"][::10]] == [0.1, 0.05, 0.025]
half_cosine = [0.05 * (1 + math.cos(math.pi * t / num_epochs)) for t in range(num_epochs)]
cosine_lrs = zip(lrs["CosineAnnealingLR"], half_cosine, strict=True)
assert all(math.isclose(a, b, abs_tol=1e-9) for a, b in cosine_lrs)  # 0.1 * (1 + cos) / 2
# --8<-- [end:scheduler]

# --8<-- [start:scheduler_figure]
fig, ax = plt.subplots(figsize=(6, 2.8))
for name, values in lrs.items():
    ax.plot(values, marker=".", label=name)
ax.set(xlabel="epoch", ylabel="learning rate")
ax.legend(loc="upper right")
ax.grid(alpha=0.3)
plt.show()
# --8<-- [end:scheduler_figure]

# --8<-- [start:exercise_1]
logits = torch.randn(6, 4)
y = torch.tensor([0, 3, 1, 1, 2, 0])
log_probs = nn.LogSoftmax(dim=1)(logits)
ce, nll = nn.CrossEntropyLoss()(logits, y), nn.NLLLoss()(log_probs, y)
print(f"CrossEntropyLoss {ce:.4f}   NLLLoss after LogSoftmax {nll:.4f}")
torch.testing.assert_close(ce, nll)
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
net = nn.Linear(3, 2)
decay = [p for name, p in net.named_parameters() if name.endswith("weight")]
no_decay = [p for name, p in net.named_parameters() if name.endswith("bias")]
optimizer = torch.optim.SGD(
    [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=0.1
)
weight_before, bias_before = net.weight.detach().clone(), net.bias.detach().clone()
for p in net.parameters():
    p.grad = torch.zeros_like(p)  # no gradient: only weight decay acts
optimizer.step()
print(
    "weight scaled by",
    round((net.weight / weight_before).mean().item(), 4),
    "; bias unchanged:",
    torch.equal(net.bias, bias_before),
)
torch.testing.assert_close(net.weight.detach(), weight_before * 0.99)  # 1 - lr * weight_decay
assert torch.equal(net.bias, bias_before)
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
optimizer = torch.optim.SGD([w], lr=0.1)
warmup_steps = 5
scheduler = torch.optim.lr_scheduler.LambdaLR(
    optimizer, lambda step: min(1.0, (step + 1) / warmup_steps)
)
seen = []
for _step in range(8):
    seen.append(round(scheduler.get_last_lr()[0], 4))
    optimizer.step()
    scheduler.step()
print("learning rates:", seen)
assert seen == [0.02, 0.04, 0.06, 0.08, 0.1, 0.1, 0.1, 0.1]
# --8<-- [end:exercise_3]
