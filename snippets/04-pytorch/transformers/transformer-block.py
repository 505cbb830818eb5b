# --8<-- [start:setup]
import math

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
B, T, d, num_heads = 2, 6, 16, 4  # batch, sequence length, model width, heads
x = torch.randn(B, T, d)  # a batch of 2 embedded sequences of 6 tokens
causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
# --8<-- [end:setup]


# --8<-- [start:multi_head]
class MultiHeadAttention(nn.Module):
    def __init__(self, d, num_heads):
        super().__init__()
        assert d % num_heads == 0
        self.num_heads, self.d_head = num_heads, d // num_heads
        self.qkv = nn.Linear(d, 3 * d)  # the three projections in one matrix
        self.proj = nn.Linear(d, d)  # mixes the heads' outputs

    def forward(self, x, mask=None):
        B, T, d = x.shape
        Q, K, V = self.qkv(x).split(d, dim=-1)  # each (B, T, d)
        # (B, T, d) -> (B, T, heads, d_head) -> (B, heads, T, d_head): heads become a batch dim
        Q, K, V = (m.view(B, T, self.num_heads, self.d_head).transpose(1, 2) for m in (Q, K, V))
        scores = Q @ K.transpose(-2, -1) / math.sqrt(self.d_head)  # (B, heads, T, T)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        self.weights = torch.softmax(scores, dim=-1)
        out = self.weights @ V  # (B, heads, T, d_head)
        out = out.transpose(1, 2).reshape(B, T, d)  # heads side by side again
        return self.proj(out)


mha = MultiHeadAttention(d, num_heads)
out = mha(x, mask=causal)
print("input", tuple(x.shape), "weights", tuple(mha.weights.shape), "output", tuple(out.shape))
assert out.shape == x.shape and mha.weights.shape == (B, num_heads, T, T)
# --8<-- [end:multi_head]

# --8<-- [start:check_mha]
torch_mha = nn.MultiheadAttention(d, num_heads, batch_first=True)
with torch.no_grad():
    torch_mha.in_proj_weight.copy_(mha.qkv.weight)  # rows: W_q, then W_k, then W_v
    torch_mha.in_proj_bias.copy_(mha.qkv.bias)
    torch_mha.out_proj.weight.copy_(mha.proj.weight)
    torch_mha.out_proj.bias.copy_(mha.proj.bias)
torch_out, torch_weights = torch_mha(x, x, x, attn_mask=~causal, average_attn_weights=False)
torch.testing.assert_close(out, torch_out)
torch.testing.assert_close(mha.weights, torch_weights)
print("same output and weights as nn.MultiheadAttention")
# --8<-- [end:check_mha]

# --8<-- [start:mask_conventions]
heads = [m.view(B, T, num_heads, d // num_heads).transpose(1, 2) for m in mha.qkv(x).split(d, -1)]
sdpa_out = F.scaled_dot_product_attention(*heads, attn_mask=causal)  # True: the pair takes part
torch.testing.assert_close(sdpa_out, mha.weights @ heads[2])  # ours, before the heads are joined
print("nn.MultiheadAttention(attn_mask=~causal): True forbids a pair")
print("F.scaled_dot_product_attention(attn_mask=causal): True allows a pair")
# --8<-- [end:mask_conventions]


# --8<-- [start:block]
class Block(nn.Module):
    def __init__(self, d, num_heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = MultiHeadAttention(d, num_heads)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask=None):
        x = x + self.attn(self.ln1(x), mask)  # tokens exchange information
        x = x + self.mlp(self.ln2(x))  # each token thinks on its own
        return x


block = Block(d, num_heads)
y = block(x, mask=causal)
num_params = sum(p.numel() for p in block.parameters())
print(f"block: {tuple(x.shape)} -> {tuple(y.shape)}, {num_params} parameters")
assert y.shape == x.shape
assert num_params == 12 * d * d + 13 * d  # attention 4d^2+4d, MLP 8d^2+5d, two norms 4d
# --8<-- [end:block]

# --8<-- [start:check_block]
torch_block = nn.TransformerEncoderLayer(
    d, num_heads, dim_feedforward=4 * d, dropout=0.0, activation="gelu",
    batch_first=True, norm_first=True,
)  # fmt: skip
with torch.no_grad():
    sa = torch_block.self_attn
    sa.in_proj_weight.copy_(block.attn.qkv.weight)
    sa.in_proj_bias.copy_(block.attn.qkv.bias)
    sa.out_proj.weight.copy_(block.attn.proj.weight)
    sa.out_proj.bias.copy_(block.attn.proj.bias)
    pairs = [(block.ln1, torch_block.norm1), (block.ln2, torch_block.norm2),
             (block.mlp[0], torch_block.linear1), (block.mlp[2], torch_block.linear2)]  # fmt: skip
    for ours, theirs in pairs:
        theirs.load_state_dict(ours.state_dict())
torch.testing.assert_close(y, torch_block(x, src_mask=~causal))
print("same output as nn.TransformerEncoderLayer(norm_first=True)")
# --8<-- [end:check_block]


# --8<-- [start:post_norm]
def post_norm(block, x, mask=None):  # the original transformer's order: add, then normalise
    x = block.ln1(x + block.attn(x, mask))
    return block.ln2(x + block.mlp(x))


post = nn.TransformerEncoderLayer(
    d, num_heads, dim_feedforward=4 * d, dropout=0.0, activation="gelu", batch_first=True
)  # norm_first left at its default
assert post.norm_first is False  # PyTorch's default is post-norm
post.load_state_dict(torch_block.state_dict())
torch.testing.assert_close(post_norm(block, x, causal), post(x, src_mask=~causal))
print("nn.TransformerEncoderLayer's default (norm_first=False) is the post-norm block")
# --8<-- [end:post_norm]

# --8<-- [start:residual_stream]
h = torch.randn(B, T, d)
contributions = []
for layer in [Block(d, num_heads) for _ in range(4)]:
    new_h = layer(h, mask=causal)
    contributions.append(((new_h - h).norm() / h.norm()).item())
    h = new_h
print("what each block adds, relative to the stream:", [round(c, 2) for c in contributions])
assert all(0 < c < 1 for c in contributions)
# --8<-- [end:residual_stream]

# --8<-- [start:exercise_1]
gpt2_block = Block(768, 12)
gpt2_params = sum(p.numel() for p in gpt2_block.parameters())
print(f"a block of width 768: {gpt2_params:,} parameters; 12 such blocks: {12 * gpt2_params:,}")
assert gpt2_params == 12 * 768**2 + 13 * 768 == 7_087_872 and 12 * gpt2_params == 85_054_464
vocab_size, context = 50_257, 1024
embeddings = vocab_size * 768 + context * 768  # token and position tables
total = 12 * gpt2_params + embeddings + 2 * 768  # and a last layer norm
print(f"in millions: block {gpt2_params / 1e6:.1f}, 12 blocks {12 * gpt2_params / 1e6:.1f}, "
      f"embeddings {embeddings / 1e6:.1f}, GPT-2 small in all {total / 1e6:.1f}")  # fmt: skip
assert total == 124_439_808  # the output layer reuses the token table: no new parameters
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
x_changed = x.clone()
x_changed[:, -1] = torch.randn(B, d)  # change only the last token of each sequence
y_changed = block(x_changed, mask=causal)
torch.testing.assert_close(y_changed[:, :-1], y[:, :-1])
print("through a whole block, earlier positions still ignore a later token")
# --8<-- [end:exercise_2]

# --8<-- [start:exercise_3]
fused = F.scaled_dot_product_attention(
    *(m.view(B, T, num_heads, d // num_heads).transpose(1, 2) for m in mha.qkv(x).split(d, -1)),
    is_causal=True,
)
fused_out = mha.proj(fused.transpose(1, 2).reshape(B, T, d))
torch.testing.assert_close(fused_out, out)
print("the four middle lines of forward() are one call of scaled_dot_product_attention")
# --8<-- [end:exercise_3]
