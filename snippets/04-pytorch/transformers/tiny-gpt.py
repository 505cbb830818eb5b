# --8<-- [start:setup]
import math
import random

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
# --8<-- [end:setup]

# --8<-- [start:data]
names = ["anna", "ben", "carl", "dora", "emma"]
colors = ["red", "blue", "green", "black", "white", "brown"]
animals = ["fox", "dog", "cat", "bird", "fish", "horse"]
assert (len(names), len(colors), len(animals)) == (5, 6, 6)


templates = {
    "saw": "{n} saw a {c} {a} . the {a} was {c} .",
    "fed": "{n} fed the {a} . {n} was happy .",
}


def make_text(num_sentences, seed):
    rng = random.Random(seed)
    sentences = []
    for _ in range(num_sentences):
        n, c, a = rng.choice(names), rng.choice(colors), rng.choice(animals)
        template = templates["saw"] if rng.random() < 0.5 else templates["fed"]
        sentences.append(template.format(n=n, c=c, a=a))
    return " ".join(sentences).split()


train_words, test_words = make_text(2000, seed=0), make_text(300, seed=1)
vocab = sorted(set(train_words))
stoi = {w: i for i, w in enumerate(vocab)}
train_ids = torch.tensor([stoi[w] for w in train_words])
test_ids = torch.tensor([stoi[w] for w in test_words])
V = len(vocab)
print(f"vocabulary {V} words; {len(train_ids)} training tokens, {len(test_ids)} held-out tokens")
print(" ".join(test_words[:20]), "...")
# --8<-- [end:data]

# --8<-- [start:floor]
tokens = {name: len(template.split()) for name, template in templates.items()}
assert tokens == {"saw": 11, "fed": 9}
pick_template, pick_name = math.log(2), math.log(len(names))
surprise_saw = pick_template + pick_name + math.log(len(colors)) + math.log(len(animals))
surprise_fed = pick_template + pick_name + math.log(len(animals))
# each template half the time: the mean surprise of a sentence over its mean length
floor = (surprise_saw + surprise_fed) / (tokens["saw"] + tokens["fed"])
print(f"tokens per sentence: {tokens}")
print(f"the best any model can do: {floor:.3f} nats per token")
assert abs(floor - 0.499) < 0.0005
# --8<-- [end:floor]

# --8<-- [start:bigram]
pairs = train_ids[:-1] * V + train_ids[1:]  # each (word, next word) pair as one integer
counts = torch.bincount(pairs, minlength=V * V).reshape(V, V).float()
alpha = 0.1  # add-alpha smoothing: no pair gets probability zero
bigram_probs = (counts + alpha) / (counts + alpha).sum(dim=1, keepdim=True)
bigram_loss = -torch.log(bigram_probs[test_ids[:-1], test_ids[1:]]).mean().item()
print(f"bigram, held-out cross-entropy: {bigram_loss:.3f} nats per token")
# --8<-- [end:bigram]


# --8<-- [start:model]
class Block(nn.Module):  # the pre-norm block of the previous lesson, with PyTorch's attention
    def __init__(self, d, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def attn(self, x):
        B, T, d = x.shape
        heads = (m.view(B, T, self.num_heads, -1).transpose(1, 2) for m in self.qkv(x).split(d, -1))
        out = F.scaled_dot_product_attention(*heads, is_causal=True)
        return self.proj(out.transpose(1, 2).reshape(B, T, d))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


def sinusoidal(num_positions, d):  # the fixed positions of the lesson on attention
    pos = torch.arange(num_positions).float()[:, None]
    freqs = 10000 ** (-torch.arange(0, d, 2).float() / d)
    pe = torch.zeros(num_positions, d)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * freqs), torch.cos(pos * freqs)
    return pe


class TinyGPT(nn.Module):
    def __init__(self, vocab_size, context, d=32, num_heads=4, num_layers=2):
        super().__init__()
        self.context = context
        self.tok = nn.Embedding(vocab_size, d)
        self.register_buffer("pos", sinusoidal(context, d))  # (context, d), not trained
        self.blocks = nn.Sequential(*[Block(d, num_heads) for _ in range(num_layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab_size)  # a score for every word of the vocabulary

    def forward(self, ids):  # ids: (B, T) -> logits: (B, T, vocab_size)
        x = self.tok(ids) + self.pos[: ids.shape[1]]
        return self.head(self.ln(self.blocks(x)))


context = 16
net = TinyGPT(V, context)
print(f"{sum(p.numel() for p in net.parameters()):,} parameters")
assert net(train_ids[None, :context]).shape == (1, context, V)
# --8<-- [end:model]

# --8<-- [start:train]
loss_fn = nn.CrossEntropyLoss()
lr, num_steps, batch_size = 3e-3, 600, 16
optimizer = torch.optim.AdamW(net.parameters(), lr=lr)


def windows(ids, starts):  # inputs and their next tokens, each (len(starts), context)
    X = torch.stack([ids[s : s + context] for s in starts])
    y = torch.stack([ids[s + 1 : s + context + 1] for s in starts])
    return X, y


for step in range(num_steps):
    X, y = windows(train_ids, torch.randint(len(train_ids) - context, (batch_size,)))
    loss = loss_fn(net(X).reshape(-1, V), y.reshape(-1))  # every position predicts its next word
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 200 == 0 or step == num_steps - 1:
        print(f"step {step:>3}: training loss {loss.item():.3f}")
# --8<-- [end:train]

# --8<-- [start:evaluate]
X_test, y_test = windows(test_ids, range(0, len(test_ids) - context, context))
net.eval()
with torch.no_grad():
    gpt_loss = loss_fn(net(X_test).reshape(-1, V), y_test.reshape(-1)).item()
bigram_same = -torch.log(bigram_probs[X_test, y_test]).mean().item()  # the same targets
print(f"held-out cross-entropy per token: tiny GPT {gpt_loss:.3f}, bigram {bigram_same:.3f}, "
      f"floor {floor:.3f}")  # fmt: skip
print(f"the tiny GPT is {bigram_same - gpt_loss:.3f} nats per token better")
assert gpt_loss < bigram_same - 0.2
assert gpt_loss > floor - 0.02  # nothing beats the floor (up to sampling noise)
# --8<-- [end:evaluate]


# --8<-- [start:generate]
def generate(net, start, num_tokens, num_samples=1, temperature=1.0, seed=0):
    """num_samples texts, drawn side by side as a batch: a list of lists of words."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.tensor([[stoi[w] for w in start.split()]] * num_samples)
    with torch.no_grad():
        for _ in range(num_tokens):
            logits = net(ids[:, -net.context :])[:, -1] / temperature  # each last position's
            next_ids = torch.multinomial(torch.softmax(logits, -1), 1, generator=generator)
            ids = torch.cat([ids, next_ids], dim=1)
    return [[vocab[i] for i in row] for row in ids.tolist()]


def sentences(words):
    """Cut generated words (after the prompt) into sentences of two clauses each."""
    clauses = " ".join(words[1:]).split(" . ")[:-1]  # the last clause may be unfinished
    found, i = [], 0
    while i + 1 < len(clauses):
        if clauses[i].split()[1:2] in (["saw"], ["fed"]):  # a first clause: pair it
            found.append(f"{clauses[i]} . {clauses[i + 1]} .")
            i += 2
        else:  # a stray clause: a malformed sentence on its own
            found.append(f"{clauses[i]} .")
            i += 1
    return found


def consistent(sentence):
    w = sentence.split()
    if len(w) == tokens["saw"] and w[1:3] == ["saw", "a"] and w[6:9:2] == ["the", "was"]:
        return w[4] == w[7] and w[3] == w[9]  # the same animal, the same colour
    if len(w) == tokens["fed"] and w[1:3] == ["fed", "the"] and w[6:8] == ["was", "happy"]:
        return w[0] == w[5]  # the same name
    return False


def share_consistent(net, temperature=1.0, num_samples=8, num_tokens=150):
    texts = generate(net, ".", num_tokens, num_samples, temperature, seed=1)
    found = [s for words in texts for s in sentences(words)]
    return sum(consistent(s) for s in found) / len(found), found


for s in sentences(generate(net, ".", 60)[0])[:5]:
    print(s)
fraction, found = share_consistent(net)
print(f"tiny GPT's samples: {fraction:.0%} of {len(found)} sentences are consistent")
bigram_net = lambda ids: torch.log(bigram_probs[ids])  # noqa: E731, the bigram as a "model"
bigram_net.context = 1
bigram_fraction, bigram_found = share_consistent(bigram_net)
print(f"bigram's samples: {bigram_fraction:.0%} of {len(bigram_found)} sentences are consistent")
assert fraction > 0.7 and bigram_fraction < 0.1
# --8<-- [end:generate]

# --8<-- [start:exercise_1]
shares = {}
for temperature in (0.5, 2.0):
    shares[temperature], generated = share_consistent(net, temperature)
    print(f"temperature {temperature}: {shares[temperature]:.0%} consistent, e.g. '{generated[0]}'")
assert shares[0.5] > fraction > shares[2.0]
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
words = ["emma", "saw", "a", "green", "bird", ".", "the", "bird", "was"]
ids = torch.tensor([[stoi[w] for w in words]])
weights = []
with torch.no_grad():
    x = net.tok(ids) + net.pos[: len(words)]
    for block in net.blocks:
        h = block.ln1(x)
        q, k, _ = (m.view(1, len(words), 4, -1).transpose(1, 2) for m in block.qkv(h).split(32, -1))
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        mask = torch.tril(torch.ones(len(words), len(words), dtype=torch.bool))
        weights.append(torch.softmax(scores.masked_fill(~mask, float("-inf")), -1)[0])
        x = block(x)
    next_word = vocab[net(ids)[0, -1].argmax()]
on_colour = max(w[head, -1, 3].item() for w in weights for head in range(4))
print(f"after '... the bird was' the model predicts '{next_word}'")
print(f"largest weight any head puts from 'was' on 'green': {on_colour:.2f}")
assert next_word == "green" and on_colour > 0.5

layer, head = max(
    ((i, h) for i in range(2) for h in range(4)), key=lambda p: weights[p[0]][p[1], -1, 3]
)
fig, ax = plt.subplots(figsize=(4.5, 4))
ax.imshow(weights[layer][head], vmin=0, vmax=1)
ax.set_xticks(range(len(words)), words, rotation=90)
ax.set_yticks(range(len(words)), words)
ax.set(title=f"layer {layer + 1}, head {head + 1}", xlabel="key", ylabel="query")
plt.show()
# --8<-- [end:exercise_2]
