# --8<-- [start:setup]
import matplotlib.pyplot as plt
import numpy as np
import torch

torch.manual_seed(0)
rng = np.random.default_rng(0)
# --8<-- [end:setup]


# --8<-- [start:slope_by_nudging]
def f(x):
    return x**3 - 2 * x


def f_prime(x):
    return 3 * x**2 - 2  # the formula for the slope, from the rules below


x0 = 1.5
for h in [0.1, 0.01, 0.001]:
    slope = (f(x0 + h) - f(x0)) / h  # rise over run, over a short run h
    print(f"h = {h:<6}: (f(x0 + h) - f(x0)) / h = {slope:.4f}")
print(f"formula f'(x0) = 3 * x0**2 - 2   = {f_prime(x0):.4f}")
assert abs((f(x0 + 0.001) - f(x0)) / 0.001 - f_prime(x0)) < 0.01
assert f_prime(x0) == 4.75
# --8<-- [end:slope_by_nudging]


# --8<-- [start:central_difference]
def derivative(f, x, h=1e-5):
    """The slope of f at x, measured: nudge x by h both ways."""
    return (f(x + h) - f(x - h)) / (2 * h)


xs = np.linspace(-2, 2, 9)
error = np.abs(derivative(f, xs) - f_prime(xs)).max()
print(f"central difference against the formula at {len(xs)} points: largest error {error:.1e}")
assert error < 1e-8
# --8<-- [end:central_difference]

# --8<-- [start:rules]
checks = {  # a function, and its derivative by the rules
    "x**4         -> 4 x**3": (lambda x: x**4, lambda x: 4 * x**3),
    "5 x**2 + x   -> 10 x + 1": (lambda x: 5 * x**2 + x, lambda x: 10 * x + 1),
    "exp(x)       -> exp(x)": (np.exp, np.exp),
    "log(x)       -> 1 / x": (np.log, lambda x: 1 / x),
    "x * exp(x)   -> exp(x) + x exp(x)": (lambda x: x * np.exp(x), lambda x: (1 + x) * np.exp(x)),
}
xs_positive = np.linspace(0.5, 2, 7)  # log needs x > 0
for name, (g, g_prime) in checks.items():
    error = np.abs(derivative(g, xs_positive) - g_prime(xs_positive)).max()
    print(f"{name:36s} largest error {error:.1e}")
    assert error < 1e-6
# --8<-- [end:rules]

# --8<-- [start:figure_tangent]
x_plot = np.linspace(-2, 2.2, 200)
tangent = f(x0) + f_prime(x0) * (x_plot - x0)  # the straight line with slope f'(x0)
fig, ax = plt.subplots(figsize=(5.5, 3.2))
ax.plot(x_plot, f(x_plot), color="C0", label="f(x) = x³ − 2x")
ax.plot(x_plot, tangent, "--", color="C1", label=f"tangent at x = {x0}: slope {f_prime(x0):.2f}")
ax.plot(x0, f(x0), "o", color="C1")
ax.set(xlabel="x", ylabel="f(x)", ylim=(-4, 6))
ax.axhline(0, color="C7", lw=0.5)
ax.grid(alpha=0.3)
ax.legend(loc="upper left")
fig.tight_layout()
plt.show()
print(f"f({x0}) = {f(x0):.3f}, f'({x0}) = {f_prime(x0):.2f}")
assert f(x0) == 0.375
# --8<-- [end:figure_tangent]


# --8<-- [start:partial]
def g(x, y):
    return x**2 + 3 * x * y + y**2


def grad_g(x, y):
    return np.array([2 * x + 3 * y, 3 * x + 2 * y])  # (dg/dx, dg/dy) by the rules


x1, y1 = 1.0, -2.0
h = 1e-5
dg_dx = (g(x1 + h, y1) - g(x1 - h, y1)) / (2 * h)  # y held still
dg_dy = (g(x1, y1 + h) - g(x1, y1 - h)) / (2 * h)  # x held still
print(f"at (x, y) = ({x1}, {y1}): g = {g(x1, y1):.4f}")
print(f"measured: dg/dx = {dg_dx:.4f}, dg/dy = {dg_dy:.4f}")
print(f"formula:  dg/dx = {grad_g(x1, y1)[0]:.4f}, dg/dy = {grad_g(x1, y1)[1]:.4f}")
assert np.allclose([dg_dx, dg_dy], grad_g(x1, y1), atol=1e-6)
# --8<-- [end:partial]

# --8<-- [start:steepest]
gradient = grad_g(x1, y1)
angles = np.linspace(0, 2 * np.pi, 360, endpoint=False)
directions = np.stack([np.cos(angles), np.sin(angles)], axis=1)  # 360 unit vectors


def slope_along(u):  # the slope of g at (x1, y1) when walking in direction u
    return derivative(lambda t: g(x1 + t * u[0], y1 + t * u[1]), 0.0)


slopes = np.array([slope_along(u) for u in directions])
best = directions[slopes.argmax()]
print(f"gradient {gradient}, length {np.linalg.norm(gradient):.4f}")
print(f"steepest of 360 directions: ({best[0]:.3f}, {best[1]:.3f}), slope {slopes.max():.4f}")
print(f"gradient / its length:      {(gradient / np.linalg.norm(gradient)).round(3)}")
assert np.allclose(slopes, directions @ gradient, atol=1e-6)  # slope along u = u . gradient
assert np.allclose(best, gradient / np.linalg.norm(gradient), atol=0.01)
assert abs(slopes.max() - np.linalg.norm(gradient)) < 1e-3
# --8<-- [end:steepest]


# --8<-- [start:figure_gradient]
def bump(x, y):
    return np.exp(-(x**2) - 2 * y**2) + 0.5 * np.exp(-((x - 1.5) ** 2) - (y - 1) ** 2)


def grad_bump(x, y):
    a = np.exp(-(x**2) - 2 * y**2)
    c = 0.5 * np.exp(-((x - 1.5) ** 2) - (y - 1) ** 2)
    return -2 * x * a - 2 * (x - 1.5) * c, -4 * y * a - 2 * (y - 1) * c


gx, gy = np.meshgrid(np.linspace(-1.5, 3, 200), np.linspace(-1.5, 2.5, 200))
ax_, ay_ = np.meshgrid(np.linspace(-1.5, 3, 16), np.linspace(-1.5, 2.5, 14))
u, v = grad_bump(ax_, ay_)
h = 1e-5
assert np.allclose(u, (bump(ax_ + h, ay_) - bump(ax_ - h, ay_)) / (2 * h), atol=1e-8)
assert np.allclose(v, (bump(ax_, ay_ + h) - bump(ax_, ay_ - h)) / (2 * h), atol=1e-8)
fig, ax = plt.subplots(figsize=(5.5, 4.2))
contours = ax.contour(gx, gy, bump(gx, gy), levels=10)
ax.clabel(contours, fontsize=7)
ax.quiver(ax_, ay_, u, v, color="C1", angles="xy")
ax.set(xlabel="x", ylabel="y", aspect="equal")
fig.tight_layout()
plt.show()
print("arrows: the gradient (dbump/dx, dbump/dy), checked by finite differences")
# --8<-- [end:figure_gradient]


# --8<-- [start:chain_rule]
def inner(x):
    return 3 * x + 1


def outer(u):
    return u**2


def composed(x):
    return outer(inner(x))  # (3x + 1)**2


x2 = 0.5
by_chain_rule = 2 * inner(x2) * 3  # outer'(inner(x)) * inner'(x)
measured = derivative(composed, x2)
print(f"chain rule: 2 * (3x + 1) * 3 = {by_chain_rule:.4f}")
print(f"measured:                    {measured:.4f}")
assert by_chain_rule == 15.0 and abs(by_chain_rule - measured) < 1e-6


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_of_square(x):
    return sigmoid(x**2)


by_chain_rule = sigmoid(x2**2) * (1 - sigmoid(x2**2)) * 2 * x2  # sigma'(x**2) * 2x
print(f"d sigmoid(x**2) / dx: chain rule {by_chain_rule:.6f}", end=", ")
print(f"measured {derivative(sigmoid_of_square, x2):.6f}")
assert abs(by_chain_rule - derivative(sigmoid_of_square, x2)) < 1e-8
# --8<-- [end:chain_rule]


# --8<-- [start:two_paths]
def two_paths(x):
    a = x**2  # path 1
    b = 3 * x  # path 2
    return a * b  # x reaches the output both ways


x3 = 2.0
by_hand = 3 * x3 * (2 * x3) + x3**2 * 3  # through a, plus through b
print(f"by hand {by_hand:.4f}, measured {derivative(two_paths, x3):.4f}")
assert by_hand == 36.0 and abs(by_hand - derivative(two_paths, x3)) < 1e-5
# --8<-- [end:two_paths]


# --8<-- [start:jacobian]
def F(v):  # two inputs, three outputs
    x, y = v[0], v[1]
    return torch.stack([x * y, x + y, x**2])


def jacobian_by_hand(x, y):
    return np.array(
        [
            [y, x],  # d(xy)/dx, d(xy)/dy
            [1.0, 1.0],  # d(x + y)/dx, d(x + y)/dy
            [2 * x, 0.0],  # d(x**2)/dx, d(x**2)/dy
        ]
    )


point = torch.tensor([2.0, -1.0], dtype=torch.float64)
J_autograd = torch.autograd.functional.jacobian(F, point)
J_numeric = np.zeros((3, 2))
for j in range(2):  # one column per input: nudge that input
    step = torch.zeros(2, dtype=torch.float64)
    step[j] = 1e-6
    J_numeric[:, j] = ((F(point + step) - F(point - step)) / 2e-6).numpy()
print("Jacobian shape:", tuple(J_autograd.shape), "= (outputs, inputs)")
print(J_autograd.numpy())
torch.testing.assert_close(J_autograd, torch.from_numpy(jacobian_by_hand(2.0, -1.0)))
assert np.allclose(J_numeric, jacobian_by_hand(2.0, -1.0), atol=1e-8)
assert J_autograd.shape == (3, 2)
# --8<-- [end:jacobian]

# --8<-- [start:jacobian_linear]
W = torch.tensor(rng.normal(size=(4, 3)))
b = torch.tensor(rng.normal(size=4))
J_layer = torch.autograd.functional.jacobian(
    lambda x: W @ x + b, torch.zeros(3, dtype=torch.float64)
)
print("Jacobian of x -> W x + b:", tuple(J_layer.shape), "equal to W:", torch.equal(J_layer, W))
assert torch.equal(J_layer, W)
# --8<-- [end:jacobian_linear]

# --8<-- [start:exercise_1]
x0, exact = 1.5, f_prime(1.5)
print(" h       one-sided error   central error")
for h in [1e-1, 1e-2, 1e-3]:
    one_sided = abs((f(x0 + h) - f(x0)) / h - exact)
    central = abs((f(x0 + h) - f(x0 - h)) / (2 * h) - exact)
    print(f" {h:<7} {one_sided:.2e}          {central:.2e}")
error_10 = abs((f(x0 + 1e-2) - f(x0)) / 1e-2 - exact) / abs((f(x0 + 1e-3) - f(x0)) / 1e-3 - exact)
error_100 = abs(derivative(f, x0, 1e-2) - exact) / abs(derivative(f, x0, 1e-3) - exact)
print(f"h 10 times smaller: one-sided error {error_10:.1f} times smaller, central {error_100:.1f}")
assert abs(error_10 - 10) < 1 and abs(error_100 - 100) < 1
tiny = abs(derivative(f, x0, 1e-12) - exact)
print(f"central difference with h = 1e-12: error {tiny:.1e} (rounding wins)")
assert tiny > 1e-6
# --8<-- [end:exercise_1]


# --8<-- [start:exercise_2]
def numerical_gradient(f, x, y, h=1e-5):
    """(df/dx, df/dy) of any f(x, y), measured by central differences."""
    return np.array([(f(x + h, y) - f(x - h, y)) / (2 * h), (f(x, y + h) - f(x, y - h)) / (2 * h)])


def q(x, y):
    return x**2 * y + np.sin(y)


def grad_q(x, y):  # by hand: y held still, then x held still
    return np.array([2 * x * y, x**2 + np.cos(y)])


for x, y in rng.uniform(-2, 2, size=(5, 2)):
    measured, by_hand = numerical_gradient(q, x, y), grad_q(x, y)
    print(f"({x:5.2f}, {y:5.2f}): measured {measured.round(4)}, by hand {by_hand.round(4)}")
    assert np.allclose(measured, by_hand, atol=1e-6)


def grad_q_wrong(x, y):  # a typical slip: x**2 differentiated as if it were 2x
    return np.array([2 * x * y, 2 * x + np.cos(y)])


assert not np.allclose(numerical_gradient(q, 1.5, 0.5), grad_q_wrong(1.5, 0.5), atol=1e-6)
print("the wrong hand gradient is caught:", grad_q_wrong(1.5, 0.5).round(4))
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
x_t = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
torch.sin(x_t**2 + 1).backward()
by_chain_rule = np.cos(0.7**2 + 1) * 2 * 0.7  # cos(x**2 + 1) * 2x
print(f"chain rule {by_chain_rule:.6f}, autograd {x_t.grad.item():.6f}")
assert abs(by_chain_rule - x_t.grad.item()) < 1e-12
# --8<-- [end:exercise_3]
