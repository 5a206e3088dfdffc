"""Command line.

- `python -m safeguards synth --size N --out PATH`: a synthetic catalog for benchmarks;
- `python -m safeguards import-hub [options]`: a catalog filled from the Hugging Face Hub.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from safeguards import hubimport, synthetic


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m safeguards")
    commands = parser.add_subparsers(dest="command", required=True)
    synth = commands.add_parser("synth", help="write a synthetic catalog for benchmarks")
    synth.add_argument("--size", type=int, default=1_000_000)
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--out", type=Path, required=True, help=".parquet or .jsonl")
    hubimport.add_arguments(
        commands.add_parser("import-hub", help="fill a catalog from the Hugging Face Hub")
    )
    args = parser.parse_args(argv)
    if args.command == "import-hub":
        return hubimport.run(args)
    started = time.perf_counter()
    frame = synthetic.generate(args.size, seed=args.seed)
    synthetic.write(frame, args.out)
    print(f"wrote {len(frame):,} artifacts to {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
