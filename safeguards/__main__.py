"""Command line.

- `python -m safeguards synth --size N --out PATH`: a synthetic catalog for benchmarks;
- `python -m safeguards import-hub [options]`: a catalog filled from the Hugging Face Hub;
- `python -m safeguards demo-reset [--state-dir PATH]`: the demo starts again from its
  seeded history (the old state folder is kept beside the new one). Stop the app first.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from safeguards import demo_seed, hubimport, synthetic
from safeguards.config import ConfigError, Settings
from safeguards.folderlock import StateFolderBusy, hold_state_folder


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
    reset = commands.add_parser(
        "demo-reset", help="move the state folder aside and start the demo from its seed"
    )
    reset.add_argument("--state-dir", type=Path, help="default: SAFEGUARDS_STATE_DIR or state/")
    args = parser.parse_args(argv)
    if args.command == "import-hub":
        return hubimport.run(args)
    if args.command == "demo-reset":
        return _demo_reset(args.state_dir)
    started = time.perf_counter()
    frame = synthetic.generate(args.size, seed=args.seed)
    synthetic.write(frame, args.out)
    print(f"wrote {len(frame):,} artifacts to {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


def _demo_reset(state_dir: Path | None) -> int:
    """Refused outside demo mode and with a Hub dataset (its log would come back)."""
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not settings.demo:
        print("demo-reset is for demo mode (SAFEGUARDS_DEMO=1, or no accounts and no OAuth)")
        return 2
    if settings.hub_dataset:
        print("demo-reset: SAFEGUARDS_HUB_DATASET is set; the dataset would restore the old log")
        return 2
    target = state_dir or settings.state_dir
    try:
        hold_state_folder(target)  # refused while an app serves this folder
    except StateFolderBusy as exc:
        print(exc, file=sys.stderr)
        return 2
    kept = demo_seed.reset_demo(state_dir=target)
    events = len(demo_seed.read_seeded(target))
    print(f"the demo starts again from its seeded history ({events} events) in {target}")
    if kept is not None:
        print(f"the previous state folder is kept at {kept}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
