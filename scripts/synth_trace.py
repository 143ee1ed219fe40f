#!/usr/bin/env python3
"""synth_trace.py - write a synthetic workload in Valgrind lackey format
(then `lparsim trace import --format lackey`), or for `churn` lparsim's
native text format version 2 (it has free markers, which lackey cannot
carry; lparsim reads it as it is, gzipped or not). Deterministic for a seed.

  scripts/synth_trace.py stream  --records N [--bytes B] [--seed S] > out.lackey
  scripts/synth_trace.py random  --records N [--bytes B] [--seed S] > out.lackey
  scripts/synth_trace.py update  --records N [--bytes B] [--seed S] [--hot F --hot-share S]
  scripts/synth_trace.py churn   --records N [--bytes B] [--seed S] [--hot F --hot-share S]
                                 [--rounds R]
  scripts/synth_trace.py mixed   --records N [--bytes B] [--seed S] [--store-frac W]

stream: a loop body of 4 instructions that loads a[i] and stores b[i]
        (8-byte elements) over two arrays of B bytes each, wrapping.
random: a loop body of 3 instructions doing a dependent 8-byte load at a
        uniformly random address in a B-byte heap (pointer chasing).
update: a loop body of 3 instructions doing an 8-byte read-modify-write
        (a counter update, as in a key-value store) at a random address in
        a B-byte heap: a share S of them (default 0.8) in its first F
        (default 0.2) of the heap, the rest uniform over all of it.
churn:  free phases (native text v2): a heap of B bytes updated as in
        `update`, plus R rounds (default 4) of a buffer of B bytes: the
        buffer is allocated at a new address (a store to each 4K page),
        half of the round's N/R updates go to it (uniform), then it is freed
        (a free marker `K 6` per 4K page). The guest reuses the freed
        logical pages for the next round's buffer.
mixed:  a loop body of 3 instructions doing an 8-byte access at a uniformly
        random address in a B-byte heap, a store with probability W
        (default 0.1), else a load (the store share sets the dirty rate).
"""
import argparse
import random
import sys

CODE = 0x10000000
HEAP = 0x200000000


def stream(n, size, out):
    a, b = HEAP, HEAP + size
    i, k = 0, 0
    while k < n:
        pc = CODE
        out.write("I  %08x,4\n" % pc)
        out.write(" L %x,8\n" % (a + i))
        out.write("I  %08x,4\n" % (pc + 4))
        out.write("I  %08x,4\n" % (pc + 8))
        out.write(" S %x,8\n" % (b + i))
        out.write("I  %08x,4\n" % (pc + 12))
        k += 6
        i = (i + 8) % size


def chase(n, size, seed, out):
    rng = random.Random(seed)
    k = 0
    while k < n:
        pc = CODE + 0x100
        out.write("I  %08x,4\n" % pc)
        out.write(" L %x,8\n" % (HEAP + rng.randrange(size // 8) * 8))
        out.write("I  %08x,4\n" % (pc + 4))
        out.write("I  %08x,4\n" % (pc + 8))
        k += 4


def update(n, size, seed, hot, share, out):
    rng = random.Random(seed)
    words, hot_words = size // 8, max(1, int(size * hot) // 8)
    k = 0
    while k < n:
        pc = CODE + 0x200
        w = rng.randrange(hot_words) if rng.random() < share else rng.randrange(words)
        out.write("I  %08x,4\n" % pc)
        out.write(" M %x,8\n" % (HEAP + w * 8))
        out.write("I  %08x,4\n" % (pc + 4))
        out.write("I  %08x,4\n" % (pc + 8))
        k += 4


def churn(n, size, seed, hot, share, rounds, out):
    rng = random.Random(seed)
    words, hot_words = size // 8, max(1, int(size * hot) // 8)
    pages = size // 4096
    out.write("#lparsim-trace v2\n")
    per = max(1, n // rounds)
    for r in range(rounds):
        buf = HEAP + (1 << 34) + r * (1 << 32)
        for p in range(pages):
            out.write("S %#x 8\n" % (buf + p * 4096))
        for _ in range(per // 2):
            w = rng.randrange(hot_words) if rng.random() < share else rng.randrange(words)
            out.write("M %#x 8\n" % (HEAP + w * 8))
            out.write("M %#x 8\n" % (buf + rng.randrange(words) * 8))
        for p in range(pages):
            out.write("K 6 %#x\n" % (buf + p * 4096))
def mixed(n, size, seed, frac, out):
    rng = random.Random(seed)
    k = 0
    while k < n:
        pc = CODE + 0x300
        w = rng.randrange(size // 8)
        out.write("I  %08x,4\n" % pc)
        out.write(" %s %x,8\n" % ("S" if rng.random() < frac else "L", HEAP + w * 8))
        out.write("I  %08x,4\n" % (pc + 4))
        out.write("I  %08x,4\n" % (pc + 8))
        k += 4


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=["stream", "random", "update", "churn", "mixed"])
    p.add_argument("--records", type=int, required=True)
    p.add_argument("--bytes", type=int, default=16 << 20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--hot", type=float, default=0.2)
    p.add_argument("--hot-share", type=float, default=0.8)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--store-frac", type=float, default=0.1)
    a = p.parse_args()
    out = sys.stdout
    if a.kind == "churn":
        churn(a.records, a.bytes, a.seed, a.hot, a.hot_share, a.rounds, out)
        return
    out.write("==0== synthetic %s trace, %d records, %d bytes, seed %d\n"
              % (a.kind, a.records, a.bytes, a.seed))
    if a.kind == "stream":
        stream(a.records, a.bytes, out)
    elif a.kind == "mixed":
        mixed(a.records, a.bytes, a.seed, a.store_frac, out)
    elif a.kind == "update":
        update(a.records, a.bytes, a.seed, a.hot, a.hot_share, out)
    else:
        chase(a.records, a.bytes, a.seed, out)


if __name__ == "__main__":
    main()
