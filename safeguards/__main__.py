"""Command line: `python -m safeguards synth --size N --out PATH` writes a synthetic catalog."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from safeguards import synthetic


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m safeguards")
    commands = parser.add_subparsers(dest="command", required=True)
    synth = commands.add_parser("synth", help="write a synthetic catalog for benchmarks")
    synth.add_argument("--size", type=int, default=1_000_000)
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--out", type=Path, required=True, help=".parquet or .jsonl")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    frame = synthetic.generate(args.size, seed=args.seed)
    synthetic.write(frame, args.out)
    print(f"wrote {len(frame):,} artifacts to {args.out} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
