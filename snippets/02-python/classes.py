# --8<-- [start:setup]
import random

rng = random.Random(0)
# --8<-- [end:setup]


# --8<-- [start:first_class]
class Counter:
    def __init__(self, name):
        self.name = name  # attributes live on the object: self.<something>
        self.count = 0

    def step(self, amount=1):
        self.count += amount
        return self.count


train_steps = Counter("train")
val_steps = Counter("val")
train_steps.step()
train_steps.step(5)
print(train_steps.name, train_steps.count, "|", val_steps.name, val_steps.count)
assert train_steps.count == 6 and val_steps.count == 0  # each object has its own state
# --8<-- [end:first_class]


# --8<-- [start:module_base]
class Module:
    def __init__(self):
        self.training = True

    def __call__(self, x):
        return self.forward(x)  # net(x) runs net.forward(x)

    def forward(self, x):
        raise NotImplementedError("subclasses define forward")

    def children(self):
        return [value for value in vars(self).values() if isinstance(value, Module)]

    def num_parameters(self):
        return sum(child.num_parameters() for child in self.children())

    def eval(self):
        self.training = False
        for child in self.children():
            child.eval()
        return self


# --8<-- [end:module_base]


# --8<-- [start:linear_relu]
class Linear(Module):
    def __init__(self, in_features, out_features):
        super().__init__()  # run Module.__init__ first: it sets self.training
        self.in_features, self.out_features = in_features, out_features
        self.weight = [
            [rng.uniform(-1, 1) for _ in range(in_features)] for _ in range(out_features)
        ]
        self.bias = [0.0] * out_features

    def forward(self, x):
        return [
            sum(w * v for w, v in zip(row, x, strict=True)) + b
            for row, b in zip(self.weight, self.bias, strict=True)
        ]

    def num_parameters(self):
        return super().num_parameters() + self.in_features * self.out_features + self.out_features

    def __repr__(self):
        return f"Linear(in_features={self.in_features}, out_features={self.out_features})"


class ReLU(Module):
    def forward(self, x):
        return [max(0.0, v) for v in x]

    def __repr__(self):
        return "ReLU()"


layer = Linear(4, 3)
print(layer, "| parameters:", layer.num_parameters(), "| training:", layer.training)
print("output:", [round(v, 4) for v in layer([1.0, 2.0, 3.0, 4.0])])
print("relu:  ", ReLU()([-1.5, 0.0, 2.0]))
print(isinstance(layer, Linear), isinstance(layer, Module))
assert layer.num_parameters() == 4 * 3 + 3 == 15 and len(layer([1.0, 2.0, 3.0, 4.0])) == 3
assert ReLU()([-1.5, 0.0, 2.0]) == [0.0, 0.0, 2.0]
# --8<-- [end:linear_relu]


# --8<-- [start:tiny_net]
class TinyNet(Module):
    def __init__(self, in_features, hidden, out_features):
        super().__init__()
        self.fc1 = Linear(in_features, hidden)
        self.act = ReLU()
        self.fc2 = Linear(hidden, out_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


net = TinyNet(4, 3, 2)
y_hat = net([1.0, 2.0, 3.0, 4.0])
print("children:", net.children())
print("y_hat:", [round(v, 4) for v in y_hat], "| parameters:", net.num_parameters())
net.eval()
print("training after eval():", net.training, net.fc1.training, net.fc2.training)
assert len(y_hat) == 2 and net.num_parameters() == (4 * 3 + 3) + (3 * 2 + 2) == 23
assert not net.training and not net.fc1.training
# --8<-- [end:tiny_net]


# --8<-- [start:forgot_super]
class Broken(Module):
    def __init__(self):
        self.fc = Linear(2, 1)  # super().__init__() forgotten


broken = Broken()
try:
    print(broken.training)
except AttributeError as error:
    print("AttributeError:", error)
assert not hasattr(broken, "training")
# --8<-- [end:forgot_super]


# --8<-- [start:dataset]
class SquaresDataset:
    """Pairs (x, x**2) for x = 0 .. n-1: the shape of a torch Dataset."""

    def __init__(self, n):
        self.X = [float(i) for i in range(n)]
        self.y = [float(i) ** 2 for i in range(n)]

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        return self.X[index], self.y[index]


dataset = SquaresDataset(10)
print("len(dataset) =", len(dataset))
print("dataset[3] =", dataset[3], "| dataset[-1] =", dataset[-1])
x, y = dataset[4]
print(f"x={x}, y={y}")
pairs = list(dataset)  # iterating calls __getitem__(0), (1), ... until IndexError
print("iterated over", len(pairs), "pairs")
assert len(dataset) == 10 and dataset[3] == (3.0, 9.0) and pairs[-1] == (9.0, 81.0)
# --8<-- [end:dataset]


# --8<-- [start:data_loader]
class DataLoader:
    def __init__(self, dataset, batch_size, shuffle=False, seed=0):
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.rng = shuffle, random.Random(seed)

    def __len__(self):
        return (len(self.dataset) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        indices = list(range(len(self.dataset)))
        if self.shuffle:
            self.rng.shuffle(indices)
        for start in range(0, len(indices), self.batch_size):
            batch = [self.dataset[i] for i in indices[start : start + self.batch_size]]
            X_batch = [x for x, _ in batch]
            y_batch = [y for _, y in batch]
            yield X_batch, y_batch  # hand over one batch, resume here for the next


loader = DataLoader(dataset, batch_size=4, shuffle=True)
print("batches per epoch:", len(loader))
for X_batch, y_batch in loader:
    print("X_batch", X_batch, "y_batch", y_batch)
sizes = [len(X_batch) for X_batch, _ in loader]
assert len(loader) == 3 and sizes == [4, 4, 2]
seen = sorted(x for X_batch, _ in loader for x in X_batch)
assert seen == dataset.X  # every sample once per epoch
# --8<-- [end:data_loader]


# --8<-- [start:exercise_1]
class Sequential(Module):
    def __init__(self, *layers):
        super().__init__()
        self.layers = list(layers)

    def children(self):
        return self.layers  # Module.children does not look inside a list

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


seq = Sequential(net.fc1, net.act, net.fc2)
print(seq([1.0, 2.0, 3.0, 4.0]) == net([1.0, 2.0, 3.0, 4.0]), seq.num_parameters())
assert seq([1.0, 2.0, 3.0, 4.0]) == net([1.0, 2.0, 3.0, 4.0]) and seq.num_parameters() == 23
fresh = Sequential(Linear(2, 2), ReLU()).eval()  # new layers, still in training mode until now
assert not any(layer.training for layer in fresh.children())  # eval() reached every layer
# --8<-- [end:exercise_1]


# --8<-- [start:exercise_2]
class Subset:
    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, indices

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        return self.dataset[self.indices[i]]


val_set = Subset(dataset, [7, 8, 9])
print(len(val_set), val_set[0], list(val_set))
assert len(val_set) == 3 and val_set[0] == (7.0, 49.0)
# --8<-- [end:exercise_2]


# --8<-- [start:exercise_3]
class NoisySquares(SquaresDataset):
    def __init__(self, n, transform=None):
        super().__init__(n)
        self.transform = transform

    def __getitem__(self, index):
        x, y = super().__getitem__(index)
        if self.transform is not None:
            x = self.transform(x)
        return x, y


scaled = NoisySquares(10, transform=lambda x: x / 9)
print(scaled[9], len(scaled))
assert scaled[9] == (1.0, 81.0) and NoisySquares(10)[9] == (9.0, 81.0)
# --8<-- [end:exercise_3]
