# --8<-- [start:setup]
import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, Dataset, TensorDataset, random_split

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"
# --8<-- [end:setup]

# --8<-- [start:load]
digits = load_digits()
X = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16  # (N, C, H, W), 0 to 1
y = torch.tensor(digits.target)  # int64 class labels
print("X", tuple(X.shape), X.dtype, f"values {X.min():.1f} to {X.max():.1f}")
print("y", tuple(y.shape), y.dtype, "classes", y.unique().tolist())
assert X.shape == (1797, 1, 8, 8) and y.dtype == torch.int64
assert digits.images.max() == 16 and X.min() == 0 and X.max() == 1
# --8<-- [end:load]


# --8<-- [start:dataset]
class DigitsDataset(Dataset):
    def __init__(self, X, y, transform=None):
        self.X, self.y, self.transform = X, y, transform

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        image = self.X[i]
        if self.transform is not None:
            image = self.transform(image)
        return image, self.y[i]


dataset = DigitsDataset(X, y)
image, label = dataset[0]
print("len(dataset) =", len(dataset), " dataset[0]:", tuple(image.shape), "label", label.item())
assert len(dataset) == 1797 and image.shape == (1, 8, 8)
# --8<-- [end:dataset]

# --8<-- [start:split]
split_generator = torch.Generator().manual_seed(0)
train_idx, val_idx, test_idx = random_split(range(len(X)), [0.6, 0.2, 0.2], split_generator)
train_idx, val_idx, test_idx = list(train_idx), list(val_idx), list(test_idx)
print("train", len(train_idx), " validation", len(val_idx), " test", len(test_idx))
for name, idx in [("train", train_idx), ("validation", val_idx), ("test", test_idx)]:
    counts = torch.bincount(y[idx], minlength=10)
    print(f"  {name:10} examples per class: {counts.min().item()} to {counts.max().item()}")
    assert counts.min() > 0  # every digit appears in every split
assert (counts.min(), counts.max()) == (28, 42)  # the test split: not balanced
assert len(train_idx) + len(val_idx) + len(test_idx) == len(X)
assert not set(train_idx) & set(val_idx) and not set(train_idx) & set(test_idx)
assert not set(val_idx) & set(test_idx)

train_ds = DigitsDataset(X[train_idx], y[train_idx])
val_ds = DigitsDataset(X[val_idx], y[val_idx])
test_ds = DigitsDataset(X[test_idx], y[test_idx])  # touched once, at the very end
# --8<-- [end:split]

# --8<-- [start:dataloader]
batch_size = 64
train_loader = DataLoader(
    train_ds, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(0)
)
val_loader = DataLoader(val_ds, batch_size=256)  # evaluation: no shuffling needed

X_batch, y_batch = next(iter(train_loader))
print("one batch:", tuple(X_batch.shape), tuple(y_batch.shape), y_batch.dtype)
print("batches per epoch:", len(train_loader), " validation batches:", len(val_loader))
assert X_batch.shape == (batch_size, 1, 8, 8) and y_batch.shape == (batch_size,)
assert len(train_loader) == -(-len(train_ds) // batch_size)  # rounded up
# --8<-- [end:dataloader]

# --8<-- [start:epoch]
sizes, labels_seen = [], []
for X_batch, y_batch in train_loader:
    X_batch, y_batch = X_batch.to(device), y_batch.to(device)  # a model would run here
    sizes.append(len(y_batch))
    labels_seen.append(y_batch.cpu())
print("batch sizes:", sizes)
assert sizes[-1] == len(train_ds) % batch_size  # the last batch holds the rest
assert torch.equal(torch.bincount(torch.cat(labels_seen)), torch.bincount(train_ds.y))
# --8<-- [end:epoch]


# --8<-- [start:shuffling]
def first_labels(loader):
    return next(iter(loader))[1][:12].tolist()


loader_a = DataLoader(
    train_ds, batch_size, shuffle=True, generator=torch.Generator().manual_seed(1)
)
loader_b = DataLoader(
    train_ds, batch_size, shuffle=True, generator=torch.Generator().manual_seed(1)
)
epoch_1, epoch_2 = first_labels(loader_a), first_labels(loader_a)
torch.rand(100)  # other code drawing random numbers, e.g. initialising a model
same_seed = first_labels(loader_b)
in_order = first_labels(DataLoader(train_ds, batch_size))  # shuffle=False
print("loader a, epoch 1:", epoch_1)
print("loader a, epoch 2:", epoch_2)
print("loader b, epoch 1:", same_seed)
print("no shuffling:     ", in_order)
assert epoch_1 != epoch_2 and epoch_1 == same_seed
assert in_order == train_ds.y[:12].tolist()
# --8<-- [end:shuffling]


# --8<-- [start:augmentation]
class RandomShift:
    """Move an image by up to max_shift pixels in each direction, filling with zeros."""

    def __init__(self, max_shift=1, generator=None):
        self.max_shift = max_shift
        self.generator = generator  # its own random numbers, if given

    def __call__(self, image):
        s = self.max_shift
        height, width = image.shape[-2:]
        padded = torch.nn.functional.pad(image, (s, s, s, s))
        top, left = torch.randint(0, 2 * s + 1, (2,), generator=self.generator).tolist()
        return padded[..., top : top + height, left : left + width]


shift = RandomShift(max_shift=1, generator=torch.Generator().manual_seed(0))
train_ds = DigitsDataset(X[train_idx], y[train_idx], transform=shift)
original, label = X[train_idx[0]], y[train_idx[0]].item()
shifted = train_ds[0][0]
print("first training example: a", label)
padded = torch.nn.functional.pad(original, (1, 1, 1, 1))
all_shifts = [padded[..., t : t + 8, lf : lf + 8] for t in range(3) for lf in range(3)]
print(
    "augmented:",
    tuple(shifted.shape),
    " one of the 9 shifts:",
    any(torch.equal(shifted, s) for s in all_shifts),
)
assert label == 6
assert shifted.shape == original.shape and any(torch.equal(shifted, s) for s in all_shifts)
assert torch.equal(val_ds[0][0], val_ds[0][0])  # no augmentation outside training
train_loader = DataLoader(
    train_ds, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(0)
)
# --8<-- [end:augmentation]


# --8<-- [start:same_data]
def first_batch(model_seed, own_generator):
    generator = torch.Generator().manual_seed(0) if own_generator else None
    data = DigitsDataset(X[train_idx], y[train_idx], transform=RandomShift(1, generator))
    loader = DataLoader(data, batch_size, shuffle=True, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(model_seed)
    torch.nn.Linear(64, 10)  # a model's initialisation draws from the global generator
    return next(iter(loader))[0]


same = torch.equal(first_batch(1, own_generator=True), first_batch(2, own_generator=True))
differ = not torch.equal(first_batch(1, own_generator=False), first_batch(2, own_generator=False))
print("own generators:    another model initialisation, same augmented batch:", same)
print("global generator:  another model initialisation, other augmented batch:", differ)
assert same and differ
# --8<-- [end:same_data]


# --8<-- [start:augmentation_figure]
def arrows(image):
    """Which way the digit moved: compare with the 9 possible shifts of the original."""
    k = next(k for k, s in enumerate(all_shifts) if torch.equal(image, s))
    down, right = 1 - k // 3, 1 - k % 3
    return ({1: "→", -1: "←", 0: ""}[right] + {1: "↓", -1: "↑", 0: ""}[down]) or "no shift"


fig, axes = plt.subplots(2, 4, figsize=(5, 2.9))
axes[0, 0].imshow(original[0], cmap="gray")
axes[0, 0].set_title("original", fontsize=10)
for ax in axes.flat[1:]:
    image = train_ds[0][0]  # a fresh random shift each time
    ax.imshow(image[0], cmap="gray")
    ax.set_title(arrows(image), fontsize=10)
for ax in axes.flat:
    ax.axis("off")
plt.show()
# --8<-- [end:augmentation_figure]

# --8<-- [start:exercise_1]
simple = TensorDataset(X[train_idx], y[train_idx])
plain = DigitsDataset(X[train_idx], y[train_idx])
same = all(torch.equal(simple[i][0], plain[i][0]) and simple[i][1] == plain[i][1] for i in range(5))
print("TensorDataset gives the same items:", same)
assert same
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
loader = DataLoader(
    train_ds, batch_size, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(0)
)
dropped = len(train_ds) - len(loader) * batch_size
print(
    f"{len(loader)} full batches; {dropped} examples skipped each epoch (a different few each time)"
)
assert len(loader) == len(train_ds) // batch_size and dropped == len(train_ds) % batch_size


def left_out(loader):  # the examples that no batch of one epoch holds
    return set(range(len(train_ds))) - {i for batch in loader.batch_sampler for i in batch}


first_epoch, second_epoch = left_out(loader), left_out(loader)
assert len(first_epoch) == dropped and first_epoch != second_epoch
# --8<-- [end:exercise_2]


# --8<-- [start:exercise_3]
class AddNoise:
    def __init__(self, std):
        self.std = std

    def __call__(self, image):
        return (image + self.std * torch.randn_like(image)).clamp(0, 1)


class Compose:
    def __init__(self, *transforms):
        self.transforms = transforms

    def __call__(self, image):
        for transform in self.transforms:
            image = transform(image)
        return image


noisy_ds = DigitsDataset(
    X[train_idx], y[train_idx], transform=Compose(RandomShift(1), AddNoise(0.1))
)
image, _ = noisy_ds[0]
print("shape", tuple(image.shape), f" values {image.min():.2f} to {image.max():.2f}")
assert image.shape == (1, 8, 8) and image.min() >= 0 and image.max() <= 1
# --8<-- [end:exercise_3]
