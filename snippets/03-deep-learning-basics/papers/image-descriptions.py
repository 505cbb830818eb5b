# --8<-- [start:setup]
import math
from collections import Counter

import matplotlib.pyplot as plt
import sacrebleu
import torch
from matplotlib.patches import FancyBboxPatch
from torch import nn

torch.manual_seed(0)
# --8<-- [end:setup]


# --8<-- [start:rnn_figure]
def box(ax, x, y, text, color, width=1.1):
    ax.add_patch(
        FancyBboxPatch((x - width / 2, y - 0.3), width, 0.6, boxstyle="round,pad=0.05",
                       facecolor=color, alpha=0.3, edgecolor=color)
    )  # fmt: skip
    ax.text(x, y, text, ha="center", va="center")


def arrow(ax, start, end):
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->"})


fig, ax = plt.subplots(figsize=(8, 3.2))
box(ax, 0, 1, "image\n→ CNN", "C2", width=1.3)
inputs, outputs = ["<start>", "a", "red", "square"], ["a", "red", "square", "left"]
for t, (word_in, word_out) in enumerate(zip(inputs, outputs, strict=True)):
    x = 2 + 1.8 * t
    box(ax, x, 1, "GRU", "C0")
    box(ax, x, 0, word_in, "C7")
    box(ax, x, 2, word_out, "C1")
    arrow(ax, (x, 0.3), (x, 0.7))
    arrow(ax, (x, 1.3), (x, 1.7))
    arrow(ax, (x - 1.8 + 0.6 if t else 0.7, 1), (x - 0.6, 1))
ax.text(1.1, 1.15, "$h_0$", ha="center")
ax.text(2 + 1.8 * 4, 1, "…", ha="center", va="center", fontsize=16)
ax.set(xlim=(-0.8, 9.6), ylim=(-0.5, 2.5))
ax.axis("off")
plt.show()
# --8<-- [end:rnn_figure]

# --8<-- [start:gru_step]
gru = nn.GRU(input_size=4, hidden_size=3, batch_first=True)
x, h = torch.randn(1, 1, 4), torch.randn(1, 1, 3)  # one word vector, one hidden state
W_ir, W_iz, W_in = gru.weight_ih_l0.chunk(3)  # PyTorch stacks the three gates
W_hr, W_hz, W_hn = gru.weight_hh_l0.chunk(3)
b_ir, b_iz, b_in = gru.bias_ih_l0.chunk(3)
b_hr, b_hz, b_hn = gru.bias_hh_l0.chunk(3)
x0, h0 = x[0, 0], h[0, 0]
r = torch.sigmoid(W_ir @ x0 + b_ir + W_hr @ h0 + b_hr)  # reset gate: how much past to use
z = torch.sigmoid(W_iz @ x0 + b_iz + W_hz @ h0 + b_hz)  # update gate: how much to keep
n = torch.tanh(W_in @ x0 + b_in + r * (W_hn @ h0 + b_hn))  # candidate new state
h1 = (1 - z) * n + z * h0
output, h_next = gru(x, h)
torch.testing.assert_close(h_next[0, 0], h1)
print("hand-written GRU step == nn.GRU:", h1.detach().numpy().round(3))
# --8<-- [end:gru_step]

# --8<-- [start:scenes]
size = 16
colours = {"red": (1.0, 0.0, 0.0), "green": (0.0, 0.8, 0.0), "blue": (0.0, 0.0, 1.0)}
shapes = ["square", "circle", "triangle"]
vocab = ["<pad>", "<start>", "<end>", "a", "left", "of", "above", *colours, *shapes]
word_id = {word: i for i, word in enumerate(vocab)}
max_len = 10  # <start> a red square left of a blue circle <end>


def draw(shape, cx, cy, r):
    """Boolean masks (n, size, size) of one shape per scene, centred at (cx, cy)."""
    rows = torch.arange(size).view(1, size, 1).float()
    cols = torch.arange(size).view(1, 1, size).float()
    dx, dy = cols - cx.view(-1, 1, 1), rows - cy.view(-1, 1, 1)
    r = r.view(-1, 1, 1)
    square = (dx.abs() <= r) & (dy.abs() <= r)
    circle = dx**2 + dy**2 <= (r + 0.5) ** 2
    triangle = (dy.abs() <= r) & (2 * dx.abs() <= dy + r)  # apex at the top
    return torch.where(
        shape.view(-1, 1, 1) == 0, square, torch.where(shape.view(-1, 1, 1) == 1, circle, triangle)
    )


def make_scenes(n):
    colour = torch.randint(0, 3, (n, 2))
    shape = torch.randint(0, 3, (n, 2))
    above = torch.randint(0, 2, (n,)).bool()  # else: side by side
    r = torch.randint(2, 4, (n, 2)).float()
    along = torch.randint(3, 5, (n, 2)).float()  # position along the split, inside its half
    across = torch.randint(3, 5, (n, 2)).float() + torch.tensor([0.0, 8.0])  # first half, second
    cx = torch.where(above[:, None], along + 4, across)
    cy = torch.where(above[:, None], across, along + 4)
    palette = torch.tensor(list(colours.values()))
    X = torch.zeros(n, 3, size, size)
    for k in range(2):
        mask = draw(shape[:, k], cx[:, k], cy[:, k], r[:, k])
        X += mask[:, None] * palette[colour[:, k]].view(n, 3, 1, 1)
    captions = []
    for i in range(n):
        relation = ["above"] if above[i] else ["left", "of"]
        words = ["a", list(colours)[colour[i, 0]], shapes[shape[i, 0]], *relation]
        captions.append(words + ["a", list(colours)[colour[i, 1]], shapes[shape[i, 1]]])
    Y = torch.zeros(n, max_len, dtype=torch.long)  # padded with <pad> = 0
    for i, words in enumerate(captions):
        ids = [word_id["<start>"], *[word_id[w] for w in words], word_id["<end>"]]
        Y[i, : len(ids)] = torch.tensor(ids)
    return X, Y


def caption(ids):
    words = [vocab[i] for i in ids if vocab[i] not in ("<pad>", "<start>")]
    return " ".join(words[: words.index("<end>")] if "<end>" in words else words)


X_train, Y_train = make_scenes(2000)
X_test, Y_test = make_scenes(500)  # new random scenes, never trained on
print("images:", tuple(X_train.shape), "captions:", tuple(Y_train.shape))
print("vocabulary:", len(vocab), "words")
assert len(vocab) == 13 and X_train.shape == (2000, 3, 16, 16) and len(X_test) == 500
for i in range(3):
    print(caption(Y_train[i]))
# --8<-- [end:scenes]

# --8<-- [start:scenes_figure]
fig, axes = plt.subplots(1, 4, figsize=(9, 2.6))
for i, ax in enumerate(axes):
    ax.imshow(X_train[i].permute(1, 2, 0))
    ax.set_title(caption(Y_train[i]).replace(" a ", "\na "), fontsize=8)
    ax.axis("off")
plt.show()
# --8<-- [end:scenes_figure]


# --8<-- [start:model]
class Captioner(nn.Module):
    def __init__(self, hidden=48, see_image=True):
        super().__init__()
        self.see_image = see_image
        self.encoder = nn.Sequential(  # 3 x 16 x 16 image -> one vector, the GRU's h_0
            nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),  # 16 x 8 x 8
            nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1), nn.ReLU(),  # 32 x 4 x 4
            nn.Flatten(), nn.Linear(32 * 4 * 4, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
        )  # fmt: skip
        self.embed = nn.Embedding(len(vocab), 16)
        self.gru = nn.GRU(16, hidden, batch_first=True)
        self.to_word = nn.Linear(hidden, len(vocab))

    def start_state(self, X):
        if not self.see_image:  # the blind decoder starts every caption from zeros
            return torch.zeros(1, len(X), self.gru.hidden_size)
        return self.encoder(X)[None]  # (1, batch, hidden)

    def forward(self, X, words_in):  # teacher forcing: the true previous word as input
        output, _ = self.gru(self.embed(words_in), self.start_state(X))
        return self.to_word(output)  # (batch, steps, vocabulary) scores

    @torch.no_grad()
    def describe(self, X):  # greedy decoding: feed back the most likely word
        h = self.start_state(X)
        word = torch.full((len(X), 1), word_id["<start>"])
        words = []
        for _ in range(max_len - 1):
            output, h = self.gru(self.embed(word), h)
            word = self.to_word(output).argmax(dim=-1)
            words.append(word)
        return torch.cat(words, dim=1)


net = Captioner()
print("scores:", tuple(net(X_train[:5], Y_train[:5, :-1]).shape))
num_params = sum(p.numel() for p in net.parameters())
print("parameters:", num_params)
assert num_params == 42413
# --8<-- [end:model]


# --8<-- [start:train]
def train(net, num_steps=400, batch_size=64, lr=1e-2):
    torch.manual_seed(0)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    slower = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[300], gamma=0.1)
    loss_fn = nn.CrossEntropyLoss(ignore_index=word_id["<pad>"])
    for _ in range(num_steps):
        batch = torch.randint(0, len(X_train), (batch_size,))
        scores = net(X_train[batch], Y_train[batch, :-1])  # input: every word but the last
        loss = loss_fn(scores.flatten(0, 1), Y_train[batch, 1:].flatten())  # target: the next
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        slower.step()  # after step 300, a ten times smaller learning rate
    return loss.item()


def accuracy(predicted, Y):
    """Share of exact captions, and of right words, among predicted words for true captions Y."""
    target = Y[:, 1:]
    real = target != word_id["<pad>"]  # compare up to and including <end>
    token = ((predicted == target) & real).sum().item() / real.sum().item()
    exact = ((predicted == target) | ~real).all(dim=1).float().mean().item()
    return exact, token


loss = train(net)
predicted = net.describe(X_test)
exact, token = accuracy(predicted, Y_test)
print(f"final training loss {loss:.3f}")
print(f"held-out scenes: exact captions {exact:.3f}, token accuracy {token:.3f}")
assert exact >= 0.9 and token >= 0.98
# --8<-- [end:train]

# --8<-- [start:examples]
for i in range(4):
    print(f"true: {caption(Y_test[i]):<36} model: {caption(predicted[i])}")
real = Y_test[:, 1:] != word_id["<pad>"]
wrong = (predicted != Y_test[:, 1:]) & real  # the wrong words, position by position
wrong_words = wrong.sum(dim=1)  # per caption
num_wrong, one_word = (wrong_words > 0).sum().item(), (wrong_words == 1).sum().item()
print(f"wrong captions: {num_wrong} of {len(Y_test)}, with a single wrong word: {one_word}")
shape_ids = torch.tensor([word_id[shape] for shape in shapes])
on_shapes = torch.isin(Y_test[:, 1:][wrong], shape_ids).float().mean().item()
print(f"wrong words where the true word is a shape: {on_shapes:.0%}")
assert one_word > num_wrong / 2 and on_shapes > 0.5  # most mistakes: one word, a shape
# --8<-- [end:examples]


# --8<-- [start:beam]
@torch.no_grad()
def beam_search(net, X, beam_size=3):
    """Keep the beam_size most likely captions so far for each image; return the best one."""
    n, k, end, pad = len(X), beam_size, word_id["<end>"], word_id["<pad>"]
    h = net.start_state(X).repeat_interleave(k, dim=1)  # (1, n * k, hidden): k beams per image
    words = torch.full((n * k, 1), word_id["<start>"])
    score = torch.zeros(n, k)  # log-probability of each beam so far
    score[:, 1:] = -math.inf  # at the start the k beams are the same sentence: keep one
    for _ in range(max_len - 1):
        output, h = net.gru(net.embed(words[:, -1:]), h)
        log_p = net.to_word(output[:, -1]).log_softmax(dim=-1)  # (n * k, vocabulary)
        finished = (words[:, -1] == end) | (words[:, -1] == pad)
        log_p[finished] = -math.inf  # a finished caption continues only with <pad>, at no cost
        log_p[finished, pad] = 0
        total = (score.view(-1, 1) + log_p).view(n, k * len(vocab))  # every one-word extension
        score, best = total.topk(k, dim=1)  # the k best extensions of all the beams
        rows = (torch.arange(n)[:, None] * k + best // len(vocab)).flatten()  # their beams
        words = torch.cat([words[rows], (best % len(vocab)).view(-1, 1)], dim=1)
        h = h[:, rows]
    return words.view(n, k, -1)[:, 0, 1:]  # the best beam of each image, without <start>


@torch.no_grad()
def log_probability(net, X, words):
    """The model's log-probability of each caption, up to and including its first <end>."""
    words_in = torch.cat([torch.full((len(X), 1), word_id["<start>"]), words[:, :-1]], dim=1)
    log_p = net(X, words_in).log_softmax(dim=-1).gather(2, words[..., None])[..., 0]
    is_end = (words == word_id["<end>"]).long()
    counted = (is_end.cumsum(dim=1) - is_end) == 0  # every word up to the first <end>
    return (log_p * counted).sum(dim=1)


beamed = beam_search(net, X_test)
beam_exact, _ = accuracy(beamed, Y_test)
greedy_log_p = log_probability(net, X_test, predicted)
beam_log_p = log_probability(net, X_test, beamed)
true_log_p = log_probability(net, X_test, Y_test[:, 1:])
print(f"greedy: exact captions {exact:.3f}, mean log-probability {greedy_log_p.mean():.4f}")
print(f"beam search, 3 beams: exact captions {beam_exact:.3f}, "
      f"mean log-probability {beam_log_p.mean():.4f}")  # fmt: skip
changed = (beam_log_p > greedy_log_p + 1e-4).sum().item()
print(f"captions that beam search makes more likely: {changed}")
assert (beam_log_p >= greedy_log_p - 1e-4).all()  # never a less likely caption than greedy's
search_errors = ((wrong_words > 0) & (true_log_p > greedy_log_p)).sum().item()
print(f"of greedy's {num_wrong} wrong captions, the model prefers the true one (a search error) "
      f"for {search_errors}, its own (a model error) for {num_wrong - search_errors}")  # fmt: skip
# --8<-- [end:beam]

# --8<-- [start:blind]
blind = Captioner(see_image=False)
blind_loss = train(blind)
blind_exact, blind_token = accuracy(blind.describe(X_test), Y_test)
print(f"blind decoder: training loss {blind_loss:.3f}")
print(f"blind decoder: exact captions {blind_exact:.3f}, token accuracy {blind_token:.3f}")
assert blind_exact < 0.1 and blind_token < token - 0.2
# --8<-- [end:blind]


# --8<-- [start:bleu]
def bleu(hypotheses, references, max_n=4):
    """Corpus BLEU-4 (Papineni et al., 2002), one reference sentence per hypothesis, in %."""
    matched, total = [0] * max_n, [0] * max_n
    hyp_length = ref_length = 0
    for hyp, ref in zip(hypotheses, references, strict=True):
        hyp, ref = hyp.split(), ref.split()
        hyp_length, ref_length = hyp_length + len(hyp), ref_length + len(ref)
        for n in range(1, max_n + 1):
            hyp_grams = Counter(tuple(hyp[i : i + n]) for i in range(len(hyp) - n + 1))
            ref_grams = Counter(tuple(ref[i : i + n]) for i in range(len(ref) - n + 1))
            matched[n - 1] += sum((hyp_grams & ref_grams).values())  # clipped: & takes the min
            total[n - 1] += sum(hyp_grams.values())
    log_precision = sum(math.log(m / t) for m, t in zip(matched, total, strict=True)) / max_n
    log_brevity = min(0.0, 1 - ref_length / hyp_length)  # penalise captions shorter than the truth
    return 100 * math.exp(log_precision + log_brevity)


references = [caption(ids) for ids in Y_test]
for name, words in [("model", predicted), ("blind decoder", blind.describe(X_test))]:
    hypotheses = [caption(ids) for ids in words]
    ours = bleu(hypotheses, references)
    theirs = sacrebleu.corpus_bleu(hypotheses, [references], smooth_method="none").score
    print(f"{name}: BLEU-4 {ours:.2f}, sacrebleu {theirs:.2f}")
    assert abs(ours - theirs) < 1e-6
# --8<-- [end:bleu]

# --8<-- [start:exercise_1]
guesses = {caption(ids) for ids in blind.describe(X_test)}
print("the blind decoder's captions for 500 scenes:", guesses)
assert len(guesses) == 1
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
side_by_side = Y_test[:, 4] == word_id["left"]
X_mirror = X_test[side_by_side].flip(dims=[-1])  # left becomes right
Y_swapped = Y_test[side_by_side].clone()
Y_swapped[:, 2:4], Y_swapped[:, 7:9] = Y_test[side_by_side, 7:9], Y_test[side_by_side, 2:4]
print(caption(Y_test[side_by_side][0]), "-> mirrored:", caption(Y_swapped[0]))
mirror_exact, _ = accuracy(net.describe(X_mirror), Y_swapped)
print(f"{len(X_mirror)} mirrored scenes: exact captions {mirror_exact:.3f}")
assert mirror_exact > 0.8
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
seen = {caption(ids) for ids in Y_train}
new_sentences = sum(caption(ids) not in seen for ids in Y_test)
print(f"possible captions: {3 * 3 * 2 * 3 * 3}, seen in training: {len(seen)}")
print(f"held-out captions never seen in training: {new_sentences} of {len(Y_test)}")
assert len(seen) == 162 and new_sentences == 0
# --8<-- [end:exercise_3]
