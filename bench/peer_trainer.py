#!/usr/bin/env python3
"""Python PyTorch peer of bench/trainer_bench: the GPT of trainer/gpt.cpp trained with the
AdamW step of LocalTrainer::Step (forward, loss, check, backward, clip, step) on random tokens,
timed the same way (3 warm-up steps, then N timed steps; tokens = batch x context x N).

Fair by construction: the same LibTorch (Debian python3-torch links the system libtorch), the
thread plan and allocator setting of trainer/threads.cpp (torch 1 thread x OpenBLAS on every
core; mallopt keeping freed memory in the heap), plus the peer's own best options (AdamW
foreach, zero_grad(set_to_none=True)).

  peer_trainer.py [--models nano,micro,mini] [--batch 16] [--steps N] [--plan TORCH,BLAS]
                  [--precision fp32|bf16]

With --precision bf16 the forward pass runs under torch.autocast("cpu", torch.bfloat16) and the
loss in fp32, as LocalTrainer does, and the default plan is the C++ bf16 plan (every core for
torch, 1 OpenBLAS thread).
"""
import argparse
import contextlib
import ctypes
import math
import os
import time

import torch
import torch.nn.functional as F
from torch import nn

# glibc mallopt parameters and the values of trainer/threads.cpp.
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_MAX = -1, -2, -4
ALLOCATOR = [(M_MMAP_MAX, 0), (M_TRIM_THRESHOLD, 1 << 30), (M_TOP_PAD, 64 << 20)]
ALLOCATOR_TEXT = "mallopt M_MMAP_MAX=0, M_TRIM_THRESHOLD=1 GiB, M_TOP_PAD=64 MiB"


def read_model(name):
    """[model] of configs/models/<name>.toml; vocabulary 0 means the default 4096."""
    cfg = {}
    with open(f"configs/models/{name}.toml") as f:
        for line in f:
            key, sep, value = line.split("#")[0].partition("=")
            if sep:
                cfg[key.strip()] = value.strip().strip('"')
    m = {k: int(cfg[k]) for k in ("vocab_size", "context", "d_model", "layers", "heads")}
    m["vocab_size"] = m["vocab_size"] or 4096
    return m


class Attention(nn.Module):
    def __init__(self, m):
        super().__init__()
        c = m["d_model"]
        self.heads = m["heads"]
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.register_buffer("mask", torch.full((m["context"], m["context"]), -math.inf).triu(1))

    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.heads
        q, k, v = self.qkv(x).view(B, T, 3, self.heads, hs).permute(2, 0, 3, 1, 4)
        att = torch.baddbmm(self.mask[:T, :T].unsqueeze(0), q.reshape(B * self.heads, T, hs),
                            k.reshape(B * self.heads, T, hs).transpose(1, 2),
                            beta=1.0, alpha=1.0 / math.sqrt(hs))
        att = torch.softmax(att, -1)
        y = torch.bmm(att, v.reshape(B * self.heads, T, hs))
        return self.proj(y.view(B, self.heads, T, hs).transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    def __init__(self, m):
        super().__init__()
        c = m["d_model"]
        self.ln1 = nn.LayerNorm(c)
        self.attn = Attention(m)
        self.ln2 = nn.LayerNorm(c)
        self.up = nn.Linear(c, 4 * c)
        self.down = nn.Linear(4 * c, c)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.down(F.gelu(self.up(self.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.tok = nn.Embedding(m["vocab_size"], m["d_model"])
        self.pos = nn.Embedding(m["context"], m["d_model"])
        self.blocks = nn.ModuleList(Block(m) for _ in range(m["layers"]))
        self.ln_f = nn.LayerNorm(m["d_model"])
        # GPT-2 initialisation, as in gpt.cpp.
        resid_std = 0.02 / math.sqrt(2.0 * m["layers"])
        with torch.no_grad():
            for name, p in self.named_parameters():
                if "ln" in name:
                    continue
                if name.endswith("bias"):
                    p.zero_()
                elif "proj.weight" in name or "down.weight" in name:
                    p.normal_(0.0, resid_std)
                else:
                    p.normal_(0.0, 0.02)

    def loss(self, block):
        idx, target = block[:, :-1], block[:, 1:]
        x = self.tok(idx) + self.pos(torch.arange(idx.size(1)))
        for b in self.blocks:
            x = b(x)
        logits = torch.matmul(self.ln_f(x), self.tok.weight.t()).float()
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), target.reshape(-1))


def lr_at(step, total, peak=1e-3, min_ratio=0.1):
    """LrSchedule::At without warm-up, as trainer_bench configures it."""
    progress = min(1.0, step / max(1, total))
    return peak * (min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress)))


def tokens_per_second(m, batch, steps, bf16):
    torch.manual_seed(0)
    model = GPT(m)
    params = list(model.parameters())
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.95), eps=1e-8, foreach=True)
    block = torch.randint(0, m["vocab_size"], (batch, m["context"] + 1), dtype=torch.long)
    total = steps + 3

    def step(i):
        for g in opt.param_groups:
            g["lr"] = lr_at(i, total)
        opt.zero_grad(set_to_none=True)
        with (torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()):
            loss = model.loss(block)
        if not math.isfinite(loss.item()):
            raise RuntimeError(f"loss is not finite at step {i}")
        loss.backward()
        if not math.isfinite(float(nn.utils.clip_grad_norm_(params, 1.0))):
            raise RuntimeError(f"gradient norm is not finite at step {i}")
        opt.step()

    for i in range(3):  # warm-up
        step(i)
    t = time.perf_counter()
    for i in range(3, total):
        step(i)
    return batch * m["context"] * steps / (time.perf_counter() - t), sum(p.numel() for p in params)


def set_plan(torch_threads, blas_threads):
    """The plan of trainer/threads.cpp: allocator first, then torch and OpenBLAS threads."""
    libc = ctypes.CDLL("libc.so.6")
    for param, value in ALLOCATOR:
        if libc.mallopt(param, value) != 1:
            raise RuntimeError(f"mallopt({param}, {value}) failed")
    torch.set_num_threads(torch_threads)
    blas = ctypes.CDLL("libblas.so.3")  # the alternative LibTorch loaded, as threads.cpp finds it
    if hasattr(blas, "openblas_set_num_threads"):
        blas.openblas_set_num_threads(blas_threads)
        return blas.openblas_get_num_threads()
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="nano,micro,mini")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=0, help="timed steps (default: 6 on mini, else 20)")
    ap.add_argument("--plan", default=None, help="TORCH,BLAS threads")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    args = ap.parse_args()
    bf16 = args.precision == "bf16"
    if args.plan is None:
        args.plan = f"{os.cpu_count()},1" if bf16 else f"1,{os.cpu_count()}"
    torch_threads, blas_threads = (int(v) for v in args.plan.split(","))
    blas = set_plan(torch_threads, blas_threads)

    print(f"## Python PyTorch peer (batch {args.batch}, AdamW, {args.precision})\n")
    print(f"PyTorch {torch.__version__}; threads {torch.get_num_threads()} torch x "
          f"{blas if blas is not None else 'unknown (not OpenBLAS)'} OpenBLAS; {ALLOCATOR_TEXT}\n")
    print("| model | parameters | tokens/s | GFLOP/s |\n|---|---|---|---|")
    for name in args.models.split(","):
        steps = args.steps or (6 if name == "mini" else 20)
        tps, n = tokens_per_second(read_model(name), args.batch, steps, bf16)
        print(f"| {name} | {n} | {tps:.0f} | {6 * n * tps / 1e9:.1f} |", flush=True)


if __name__ == "__main__":
    main()
