# --8<-- [start:setup]
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
# --8<-- [end:setup]

# --8<-- [start:tokens]
sentence = "the cat sat on the mat because the cat was tired"
words = sentence.split()
vocab = sorted(set(words))
stoi = {word: i for i, word in enumerate(vocab)}  # string to integer
tokens = torch.tensor([stoi[w] for w in words])
print(f"{len(words)} words, {len(vocab)} distinct: {vocab}")
print("token ids:", tokens.tolist())
# --8<-- [end:tokens]

# --8<-- [start:embeddings]
d = 16  # the size of each token's vector
T = len(tokens)  # the sequence length
token_embedding = nn.Embedding(len(vocab), d)
position_embedding = nn.Embedding(T, d)

one_hot = F.one_hot(tokens, len(vocab)).float()  # (T, vocab)
torch.testing.assert_close(token_embedding(tokens), one_hot @ token_embedding.weight)

x = token_embedding(tokens) + position_embedding(torch.arange(T))
print("embedded sequence:", tuple(x.shape))
assert x.shape == (T, d)
# --8<-- [end:embeddings]


# --8<-- [start:sinusoidal]
def sinusoidal(num_positions, d):
    """Vaswani et al.'s fixed encoding: a sine and a cosine for each of d / 2 frequencies."""
    pos = torch.arange(num_positions).float()[:, None]  # (positions, 1)
    freqs = 10000 ** (-torch.arange(0, d, 2).float() / d)  # (d / 2,): from 1 down towards 1/10000
    pe = torch.zeros(num_positions, d)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * freqs), torch.cos(pos * freqs)
    return pe, freqs


pe, freqs = sinusoidal(50, d)
k = 3  # an offset
cos, sin = torch.cos(k * freqs), torch.sin(k * freqs)
M = torch.zeros(d, d)  # one 2x2 rotation by the angle k * freq for each (sin, cos) pair
M[0::2, 0::2], M[0::2, 1::2] = torch.diag(cos), torch.diag(sin)
M[1::2, 0::2], M[1::2, 1::2] = torch.diag(-sin), torch.diag(cos)
torch.testing.assert_close(pe[k:], pe[:-k] @ M.T)  # PE(pos + k) = M PE(pos) for every pos
torch.testing.assert_close(M @ M.T, torch.eye(d))  # M is a rotation: it keeps lengths
print("sinusoidal encoding:", tuple(pe.shape))
print(f"PE(pos + {k}) = M PE(pos) for all {len(pe) - k} positions; M M^T = I")
dots = (pe[:-k] * pe[k:]).sum(dim=1)  # PE(pos) . PE(pos + 3), for every pos
print(f"PE(pos) . PE(pos + {k}) from {dots.min():.4f} to {dots.max():.4f} over all positions")
torch.testing.assert_close(dots, dots[0].expand_as(dots))  # it depends on the offset only
# --8<-- [end:sinusoidal]


# --8<-- [start:attention]
def attention(Q, K, V, mask=None):
    scores = Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])  # (T, T): every query, every key
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))  # forbidden pairs get weight 0
    weights = torch.softmax(scores, dim=-1)  # each row sums to one
    return weights @ V, weights


W_q, W_k, W_v = (nn.Linear(d, d, bias=False) for _ in range(3))
Q, K, V = W_q(x), W_k(x), W_v(x)
out, weights = attention(Q, K, V)
print("Q, K, V:", tuple(Q.shape), "weights:", tuple(weights.shape), "output:", tuple(out.shape))
print("row sums of the weights:", weights.sum(dim=-1).detach().numpy().round(4))

torch.testing.assert_close(out, F.scaled_dot_product_attention(Q, K, V))
torch.testing.assert_close(weights.sum(dim=-1), torch.ones(T))
assert out.shape == (T, d) and weights.shape == (T, T) and (weights >= 0).all()
# --8<-- [end:attention]

# --8<-- [start:causal]
causal = torch.tril(torch.ones(T, T, dtype=torch.bool))  # position i sees positions 0..i
out_causal, weights_causal = attention(Q, K, V, mask=causal)
torch.testing.assert_close(out_causal, F.scaled_dot_product_attention(Q, K, V, is_causal=True))
print(causal.int()[:4, :4])
assert (weights_causal[~causal] == 0).all()
# --8<-- [end:causal]

# --8<-- [start:causal_test]
changed = tokens.clone()
changed[-1] = stoi["mat"]  # "... the cat was mat": change only the last word
x_changed = token_embedding(changed) + position_embedding(torch.arange(T))
Q2, K2, V2 = W_q(x_changed), W_k(x_changed), W_v(x_changed)

with_mask, _ = attention(Q2, K2, V2, mask=causal)
without_mask, _ = attention(Q2, K2, V2)
earlier_same = torch.equal(with_mask[:-1], out_causal[:-1])
moved = [not torch.allclose(without_mask[i], out[i]) for i in range(T - 1)]
print("with the mask, earlier outputs unchanged:", earlier_same)
print(f"without the mask, earlier outputs changed: {sum(moved)} of {T - 1}")
assert earlier_same and not torch.allclose(with_mask[-1], out_causal[-1])
assert all(moved)  # every earlier output changes
# --8<-- [end:causal_test]

# --8<-- [start:heatmap]
x_plain = token_embedding(tokens)  # no positions: only the words
_, similarity = attention(3 * x_plain, 3 * x_plain, x_plain, mask=causal)  # Q = K: alike attends
fig, ax = plt.subplots(figsize=(5, 4.4))
image = ax.imshow(similarity.detach(), vmin=0, vmax=1)
ax.set_xticks(range(T), words, rotation=90)
ax.set_yticks(range(T), words)
ax.set(xlabel="key (attended to)", ylabel="query (attending)")
fig.colorbar(image, ax=ax, label="attention weight")
plt.show()
the_rows = [i for i, w in enumerate(words) if w == "the"]
print("where the last 'the' looks:", similarity[the_rows[-1]].detach().numpy().round(2))
assert similarity[the_rows[-1], the_rows].sum() > 0.9  # almost all its weight on earlier "the"s
assert all(words[similarity[i].argmax()] == w for i, w in enumerate(words))
# --8<-- [end:heatmap]

# --8<-- [start:exercise_1]
for d_k in (4, 64, 1024):
    q, k = torch.randn(1000, d_k), torch.randn(1000, d_k)
    raw = (q * k).sum(dim=1)  # 1000 dot products
    print(f"d = {d_k:>4}: std of q.k {raw.std():6.2f}, after dividing by sqrt(d) "
          f"{(raw / math.sqrt(d_k)).std():.2f}")  # fmt: skip
    assert abs(raw.std().item() / math.sqrt(d_k) - 1) < 0.1

scores = torch.randn(T, T)  # scaled scores: std 1
peak_scaled = torch.softmax(scores, dim=-1).max(dim=-1).values.mean()
peak_unscaled = torch.softmax(scores * math.sqrt(1024), dim=-1).max(dim=-1).values.mean()
print(f"largest weight per row: scaled {peak_scaled:.3f}, unscaled (d = 1024) {peak_unscaled:.3f}")
assert peak_unscaled > 0.85 and peak_scaled < 0.5
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
permutation = torch.randperm(T)
x_words = token_embedding(tokens)
out_words, _ = attention(W_q(x_words), W_k(x_words), W_v(x_words))
x_shuffled = x_words[permutation]
out_shuffled, _ = attention(W_q(x_shuffled), W_k(x_shuffled), W_v(x_shuffled))
torch.testing.assert_close(out_shuffled, out_words[permutation])
print("without positions, shuffling the words only shuffles the outputs")

x_pos = x_shuffled + position_embedding(torch.arange(T))
out_pos, _ = attention(W_q(x_pos), W_k(x_pos), W_v(x_pos))
print("with positions:", torch.allclose(out_pos, out[permutation]))
assert not torch.allclose(out_pos, out[permutation])
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
for length in (11, 1000, 8000):
    print(f"{length:>5} tokens: score matrix of {length * length:>10,} numbers")
assert 8000 * 8000 == 64_000_000
# --8<-- [end:exercise_3]
