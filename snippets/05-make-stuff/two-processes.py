# --8<-- [start:setup]
import os
import sys

# Before importing torch: C++ warnings off (the c10d store warns when it cannot look up
# 127.0.0.1's name, as on a machine without DNS), and gloo on the loopback interface.
os.environ.setdefault("TORCH_CPP_LOG_LEVEL", "ERROR")
os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo0" if sys.platform == "darwin" else "lo")

import copy
import multiprocessing
import socket
import tempfile
import time
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

torch.set_num_threads(1)
rank_here = int(os.environ.get("RANK", "0"))  # set by torchrun; 0 when run as `python FILE`
# Only the first process prints: rank 0, and not a spawned rank, which imports this file under
# another name than "__main__".
log = print if rank_here == 0 and __name__ == "__main__" else (lambda *args: None)

digits = load_digits()
assert len(digits.target) == 1797  # kept: 1792, a multiple of 2 processes x 32 per step
dataset = TensorDataset(
    torch.tensor(digits.data[:1792] / 16.0, dtype=torch.float32), torch.tensor(digits.target[:1792])
)
num_epochs, batch_size, lr = 5, 32, 0.3  # batch_size per process


def make_net():
    torch.manual_seed(0)  # every process builds the same initial weights
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


log(f"{len(dataset)} images; {batch_size} per process and step")
# --8<-- [end:setup]

# --8<-- [start:sampler]
shards = [
    DistributedSampler(dataset, num_replicas=2, rank=rank, shuffle=True, seed=0) for rank in (0, 1)
]
epoch_0 = [list(sampler) for sampler in shards]
for sampler in shards:
    sampler.set_epoch(1)
epoch_1 = [list(sampler) for sampler in shards]
log("rank 0, epoch 0, first indices:", epoch_0[0][:6])
log("rank 1, epoch 0, first indices:", epoch_0[1][:6])
log("rank 0, epoch 1, first indices:", epoch_1[0][:6])
log(f"shard sizes {len(epoch_0[0])} and {len(epoch_0[1])}")
assert not set(epoch_0[0]) & set(epoch_0[1])  # disjoint
assert sorted(epoch_0[0] + epoch_0[1]) == list(range(len(dataset)))  # together, every image
assert epoch_1[0] != epoch_0[0]  # set_epoch reshuffles
# --8<-- [end:sampler]


# --8<-- [start:train]
def train(rank, world_size):
    """One process's part of the training; every process runs this same function."""
    dist.init_process_group("gloo", rank=rank, world_size=world_size)  # MASTER_ADDR/PORT: env

    # 1. One DDP step equals one single-process step on the whole batch.
    net = make_net()
    single = copy.deepcopy(net)
    ddp = DDP(net)  # broadcasts rank 0's weights, then averages gradients in backward()
    X, y = dataset.tensors[0][:64], dataset.tensors[1][:64]
    mine = slice(rank * 64 // world_size, (rank + 1) * 64 // world_size)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=lr)
    F.cross_entropy(ddp(X[mine]), y[mine]).backward()
    optimizer.step()
    reference = torch.optim.SGD(single.parameters(), lr=lr)
    F.cross_entropy(single(X), y).backward()
    reference.step()
    for p, q in zip(net.parameters(), single.parameters(), strict=True):
        torch.testing.assert_close(p, q)

    # 2. A whole training, each process on its own shard of the data.
    ddp = DDP(make_net())
    optimizer = torch.optim.SGD(ddp.parameters(), lr=lr)
    sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, seed=0)
    loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler)
    for epoch in range(num_epochs):
        sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every process
        for X, y in loader:
            loss = F.cross_entropy(ddp(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    # 3. Every process must end with the same weights: gather them all and compare.
    flat = nn.utils.parameters_to_vector(ddp.parameters()).detach()
    gathered = [torch.empty_like(flat) for _ in range(world_size)]
    dist.all_gather(gathered, flat)
    X, y = dataset.tensors
    with torch.no_grad():
        accuracy = (ddp(X).argmax(dim=1) == y).float().mean().item()
    dist.destroy_process_group()
    return {
        "rank": rank,
        "steps": num_epochs * len(loader),
        "identical": all(torch.equal(g, gathered[0]) for g in gathered),
        "accuracy": accuracy,
    }


# --8<-- [end:train]


# --8<-- [start:launch]
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # port 0: the system picks a free one
        return s.getsockname()[1]


def worker(rank, world_size, folder):
    torch.save(train(rank, world_size), Path(folder) / f"rank{rank}.pt")


def launch(world_size=2, timeout=60):
    """Start `world_size` processes running `train`, wait at most `timeout` seconds."""
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(free_port())
    # spawn: each rank is a fresh Python that imports this file. A notebook has no file to
    # import its functions from, so there the ranks are forked copies of the notebook's process.
    in_notebook = not hasattr(sys.modules["__main__"], "__file__")
    context = multiprocessing.get_context("fork" if in_notebook else "spawn")
    with tempfile.TemporaryDirectory() as folder:
        processes = [
            context.Process(target=worker, args=(rank, world_size, folder))
            for rank in range(world_size)
        ]
        for p in processes:
            p.start()
        deadline = time.monotonic() + timeout
        for p in processes:
            p.join(max(0.0, deadline - time.monotonic()))
        for p in processes:
            if p.is_alive():  # overran: stop it rather than hang
                p.kill()
                p.join()
        codes = [p.exitcode for p in processes]
        assert codes == [0] * world_size, f"exit codes {codes}"
        return [torch.load(Path(folder) / f"rank{rank}.pt") for rank in range(world_size)]


# --8<-- [end:launch]

# --8<-- [start:run]
if __name__ == "__main__":  # not in a spawned rank, which imports this file as a module
    if "LOCAL_RANK" in os.environ:  # started by torchrun: this process is one of the ranks
        results = [train(rank_here, int(os.environ["WORLD_SIZE"]))]
    else:  # started as `python FILE`: start the two processes ourselves
        results = launch(world_size=2)
    log("rendezvous address:", os.environ["MASTER_ADDR"])
    for r in results:
        log(f"rank {r['rank']}: {r['steps']} steps, identical weights: {r['identical']}")
    log(f"training accuracy on all {len(dataset)} images: {results[0]['accuracy']:.4f}")
    assert all(result["identical"] for result in results)
    assert results[0]["accuracy"] > 0.9
# --8<-- [end:run]
