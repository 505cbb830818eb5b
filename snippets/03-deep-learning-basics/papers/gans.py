# --8<-- [start:setup]
import math

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyBboxPatch
from torch import nn

torch.manual_seed(0)
# --8<-- [end:setup]


# --8<-- [start:idea_figure]
def box(ax, xy, text, color):
    x, y = xy
    ax.add_patch(
        FancyBboxPatch((x - 0.9, y - 0.35), 1.8, 0.7, boxstyle="round,pad=0.05",
                       facecolor=color, alpha=0.3, edgecolor=color)
    )  # fmt: skip
    ax.text(x, y, text, ha="center", va="center")


def arrow(ax, start, end):
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->"})


fig, ax = plt.subplots(figsize=(7, 2.6))
box(ax, (0.5, 0), "noise z", "C7")
box(ax, (3, 0), "generator G", "C0")
box(ax, (3, 1.5), "real data x", "C2")
box(ax, (5.7, 0.75), "discriminator D", "C1")
box(ax, (8.4, 0.75), "P(real)", "C7")
arrow(ax, (1.45, 0), (2.05, 0))
arrow(ax, (3.95, 0), (4.75, 0.6))
arrow(ax, (3.95, 1.5), (4.75, 0.9))
arrow(ax, (6.65, 0.75), (7.45, 0.75))
ax.text(4.2, -0.55, "fake G(z)", ha="center")
ax.text(5.7, -0.4, "D learns: real → 1, fake → 0", ha="center")
ax.text(3, -0.85, "G learns: make D say 1 on G(z)", ha="center")
ax.set(xlim=(-0.6, 9.5), ylim=(-1.1, 2.0))
ax.axis("off")
plt.show()
# --8<-- [end:idea_figure]

# --8<-- [start:data]
num_modes, radius, std = 8, 2.0, 0.2
angles = torch.arange(num_modes) * 2 * math.pi / num_modes
modes = radius * torch.stack([angles.cos(), angles.sin()], dim=1)  # (8, 2)


def sample_real(*shape):
    which = torch.randint(0, num_modes, shape)
    return modes[which] + std * torch.randn(*shape, 2)


X = sample_real(2000)
print("real samples:", tuple(X.shape))
gap = (modes[0] - modes[1]).norm().item()
print(f"neighbouring modes are {gap:.2f} apart, {gap / std:.1f} standard deviations")
assert gap / std > 7  # the modes barely overlap
# --8<-- [end:data]


# --8<-- [start:coverage]
def coverage(samples):
    """Share of the samples near each mode (within 3 std of its centre), and the total."""
    distance, nearest = torch.cdist(samples, modes).min(dim=1)
    near = distance < 3 * std
    shares = torch.bincount(nearest[near], minlength=num_modes) / len(samples)
    return shares, near.float().mean().item()


min_share = 0.025  # a mode is covered if it gets a fifth of its fair 12.5 %
shares, near = coverage(X)
print("real data, share per mode:", [round(s, 3) for s in shares.tolist()])
print(f"real data, near a mode: {near:.3f}")
assert (shares > min_share).all() and near > 0.98
# --8<-- [end:coverage]


# --8<-- [start:model]
latent_dim, hidden = 4, 32


def make_generator():
    return nn.Sequential(
        nn.Linear(latent_dim, hidden), nn.ReLU(),
        nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, 2),
    )  # fmt: skip


def make_discriminator():
    return nn.Sequential(
        nn.Linear(2, hidden), nn.ReLU(),
        nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, 1),
    )  # fmt: skip


G = make_generator()
z = torch.randn(5, latent_dim)
print("G(z):", tuple(G(z).shape), "D(G(z)):", tuple(make_discriminator()(G(z)).shape))
num_g = sum(p.numel() for p in G.parameters())
num_d = sum(p.numel() for p in make_discriminator().parameters())
print(f"parameters: generator {num_g}, discriminator {num_d}")
assert num_g == 1282 and num_d == 1185
# --8<-- [end:model]


# --8<-- [start:stacked]
class StackedLinear(nn.Module):
    """Several nn.Linear layers, one per model, applied with one batched matrix product."""

    def __init__(self, linears):
        super().__init__()
        self.weight = nn.Parameter(torch.stack([lin.weight.T for lin in linears]).detach())
        self.bias = nn.Parameter(torch.stack([lin.bias[None] for lin in linears]).detach())

    def forward(self, x):  # x: (models, batch, in) -> (models, batch, out)
        return torch.baddbmm(self.bias, x, self.weight)


def stack(nets):
    layers = zip(*nets, strict=True)  # the first layers of every net, then the second layers, ...
    return nn.Sequential(
        *[StackedLinear(ls) if isinstance(ls[0], nn.Linear) else ls[0] for ls in layers]
    )


seeds = list(range(6))  # 0, 1, ..., 5
generators, discriminators = [], []
for seed in seeds:
    torch.manual_seed(seed)  # each seed: its own initial weights
    generators.append(make_generator())
    discriminators.append(make_discriminator())
G, D = stack(generators), stack(discriminators)
z = torch.randn(len(seeds), 5, latent_dim)
torch.testing.assert_close(G(z)[2], generators[2](z[2]))  # model 2 of the stack = net 2
print("stacked G(z):", tuple(G(z).shape))
# --8<-- [end:stacked]

# --8<-- [start:train]
torch.manual_seed(0)
lr, num_steps, batch_size = 5e-3, 500, 128
opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.9))
opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.9))
loss_fn = nn.BCEWithLogitsLoss()
n = len(seeds)
real_label, fake_label = torch.ones(n, batch_size, 1), torch.zeros(n, batch_size, 1)
for _ in range(num_steps):
    x = sample_real(n, batch_size)
    fake = G(torch.randn(n, batch_size, latent_dim))
    # discriminator step: real -> 1, fake -> 0 (detach: this step does not change G)
    loss_d = loss_fn(D(x), real_label) + loss_fn(D(fake.detach()), fake_label)
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    # generator step: make D call the fakes real
    loss_g = loss_fn(D(fake), real_label)
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
print(f"after {num_steps} steps, mean of the {n} pairs: loss D {loss_d.item():.3f}, "
      f"loss G {loss_g.item():.3f}")  # fmt: skip
print(f"loss D when D outputs 1/2 on everything: 2 log 2 = {2 * math.log(2):.3f}")
assert abs(2 * math.log(2) - 1.386) < 1e-3
# --8<-- [end:train]

# --8<-- [start:pinned_seed]
with torch.no_grad():
    samples = G(torch.randn(n, 2000, latent_dim))  # 2000 samples from each generator
shares, near = coverage(samples[0])
print("seed 0, share per mode:", [round(s, 3) for s in shares.tolist()])
print(f"seed 0, near a mode: {near:.3f}, modes covered: {(shares > min_share).sum().item()}")
fair_share = 1 / num_modes  # 12.5 %
assert (shares > fair_share / 2).all()  # all 8 modes, none with less than half its fair share
assert near > 0.7  # most samples land on the ring
# --8<-- [end:pinned_seed]

# --8<-- [start:figure_pinned]
fig, axes = plt.subplots(1, 2, figsize=(7, 3.5), sharex=True, sharey=True)
axes[0].scatter(*X[:1000].T, s=2, color="C2", rasterized=True)  # pixels, not 1000 shapes
axes[0].set_title("real data")
axes[1].scatter(*samples[0, :1000].T, s=2, color="C0", rasterized=True)
axes[1].set_title("generator, seed 0")
for ax in axes:
    ax.set_aspect("equal")
plt.show()
# --8<-- [end:figure_pinned]

# --8<-- [start:all_seeds]
with torch.no_grad():  # each pair's discriminator loss, on 2000 fresh points of each kind
    d_real, d_fake = D(sample_real(n, 2000)), D(samples)
    ones, zeros = torch.ones(2000, 1), torch.zeros(2000, 1)
    loss_per_seed = torch.stack(
        [loss_fn(d_real[i], ones) + loss_fn(d_fake[i], zeros) for i in range(n)]
    )
collapsed, modes_covered = [], []
for i, seed in enumerate(seeds):
    shares, near = coverage(samples[i])
    modes_covered.append((shares > min_share).sum().item())
    print(f"seed {seed}: modes covered {modes_covered[i]}, near a mode {near:.2f}, "
          f"loss D {loss_per_seed[i]:.3f}")  # fmt: skip
    if modes_covered[i] < num_modes:
        collapsed.append(seed)
print(f"seeds that miss a mode: {len(collapsed)} of {len(seeds)}, seeds {collapsed}")
print(f"seeds that cover every mode: {len(seeds) - len(collapsed)}")
assert 1 <= len(collapsed) < len(seeds) and 0 not in collapsed
worst = [i for i in range(n) if modes_covered[i] == min(modes_covered)]
assert loss_per_seed.argmin().item() in worst  # the most collapsed pair: the lowest loss D
# --8<-- [end:all_seeds]

# --8<-- [start:figure_seeds]
fig, axes = plt.subplots(1, n, figsize=(10, 2), sharex=True, sharey=True)
for i, ax in enumerate(axes):
    ax.scatter(
        *samples[i, :500].T, s=1, color="C1" if seeds[i] in collapsed else "C0", rasterized=True
    )
    ax.set_title(f"seed {seeds[i]}")
    ax.set_aspect("equal")
    ax.set(xticks=[], yticks=[])
plt.show()
# --8<-- [end:figure_seeds]


# --8<-- [start:optimal_discriminator]
def log_density(x, weights):
    """log p(x) for a mixture of the 8 Gaussians with these weights (one per mode)."""
    squared = torch.cdist(x, modes.to(x.dtype)) ** 2
    log_gauss = -squared / (2 * std**2) - math.log(2 * math.pi * std**2)
    return torch.logsumexp(log_gauss + weights.to(x.dtype).log(), dim=1)


data_weights = torch.full((num_modes,), 1 / num_modes)  # p_data: every mode an eighth
kept = 3  # a collapsed generator, held fixed: the first 3 modes only, a third of its samples each
g_weights = torch.tensor([1 / kept] * kept + [0.0] * (num_modes - kept))


def sample_collapsed(n):
    return modes[torch.randint(0, kept, (n,))] + std * torch.randn(n, 2)


def optimal_d(x):  # D*(x) = p_data / (p_data + p_g) = sigmoid(log p_data - log p_g)
    return torch.sigmoid(log_density(x, data_weights) - log_density(x, g_weights))


torch.manual_seed(0)
D_fixed_g = make_discriminator()  # train a fresh D against the fixed generator
opt_d = torch.optim.Adam(D_fixed_g.parameters(), lr=lr, betas=(0.5, 0.9))
ones, zeros = torch.ones(256, 1), torch.zeros(256, 1)
for _ in range(num_steps):
    loss = loss_fn(D_fixed_g(sample_real(256)), ones)
    loss = loss + loss_fn(D_fixed_g(sample_collapsed(256)), zeros)
    opt_d.zero_grad()
    loss.backward()
    opt_d.step()
with torch.no_grad():
    centres = modes[[0, kept]]  # a mode the generator covers, and one it misses
    d_star, d_trained = optimal_d(centres), torch.sigmoid(D_fixed_g(centres))[:, 0]
    x = torch.cat([sample_real(2000), sample_collapsed(2000)])
    gap = (torch.sigmoid(D_fixed_g(x))[:, 0] - optimal_d(x)).abs().mean().item()
print(f"at a covered mode: D* {d_star[0]:.3f}, trained D {d_trained[0]:.3f}")
print(f"at a missed mode:  D* {d_star[1]:.3f}, trained D {d_trained[1]:.3f}")
print(f"mean |trained D - D*| on real and generated points: {gap:.3f}")
assert abs(d_star[0] - 3 / 11) < 1e-3 and d_star[1] > 0.999  # (1/8) / (1/8 + 1/3), and 1
assert gap < 0.1 and (d_trained - d_star).abs().max() < 0.1
# --8<-- [end:optimal_discriminator]

# --8<-- [start:jensen_shannon]
x_real, x_fake = sample_real(20_000), sample_collapsed(20_000)
c_of_g = (optimal_d(x_real).log().mean() + (1 - optimal_d(x_fake)).log().mean()).item()
print(f"C(G), the game's value with D = D*, from samples: {c_of_g:.4f}")
step = 0.02  # JSD by summing over a grid of the plane, in float64
axis = torch.arange(-3, 3, step, dtype=torch.float64) + step / 2
grid = torch.cartesian_prod(axis, axis)
p, q = log_density(grid, data_weights).exp(), log_density(grid, g_weights).exp()
m = (p + q) / 2
jsd = (0.5 * torch.special.xlogy(p, p / m) + 0.5 * torch.special.xlogy(q, q / m)).sum() * step**2
print(f"JSD(p_data || p_g) from the densities: {jsd:.4f}")
print(f"-log 4 + 2 JSD: {-math.log(4) + 2 * jsd:.4f}")
assert abs(c_of_g - (-math.log(4) + 2 * jsd)) < 0.02
# --8<-- [end:jensen_shannon]

# --8<-- [start:exercise_1]
logit = torch.tensor(-4.0, requires_grad=True)  # D is sure the fake is fake: D(G(z)) = 0.018
saturating = torch.log(1 - torch.sigmoid(logit))  # the paper's minimax loss, minimised by G
(grad_saturating,) = torch.autograd.grad(saturating, logit)
non_saturating = -torch.log(torch.sigmoid(logit))  # the loss the paper recommends for G
(grad_non_saturating,) = torch.autograd.grad(non_saturating, logit)
print(f"D(G(z)) = {torch.sigmoid(logit).item():.3f}")
print(f"gradient, minimax loss: {grad_saturating.item():.4f}")
print(f"gradient, non-saturating loss: {grad_non_saturating.item():.4f}")
assert abs(grad_non_saturating) > 50 * abs(grad_saturating)
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
one_mode = modes[3] + std * torch.randn(2000, 2)  # a generator that found one mode only
shares, near = coverage(one_mode)
print(f"near a mode: {near:.3f}, modes covered: {(shares > min_share).sum().item()}")
assert near > 0.95 and (shares > min_share).sum() == 1
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
with torch.no_grad():
    d_real = torch.sigmoid(D(sample_real(n, 2000)))[0].mean().item()
    d_fake = torch.sigmoid(D(G(torch.randn(n, 2000, latent_dim))))[0].mean().item()
print(f"seed 0: mean D on real {d_real:.2f}, on fake {d_fake:.2f}")
assert 0.3 < d_real < 0.7 and 0.3 < d_fake < 0.7
# --8<-- [end:exercise_3]
