"""`python -m bench.fleet up | down | status | drill [--short]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .topology import ROOT, Fleet

DEFAULT_ROOT = ROOT / "instance" / "fleet"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet", description=__doc__)
    parser.add_argument("action", choices=("up", "down", "status", "drill"))
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="runtime files")
    parser.add_argument("--short", action="store_true", help="drill: a few seconds per fault")
    args = parser.parse_args(argv)
    if args.action == "drill":
        from .drill import run_drill

        return run_drill(args.root.parent / "fleet-drill", short=args.short)
    fleet = Fleet(args.root)
    if args.action == "up":
        fleet.start()
        fleet.cli("seed-catalog")
        print("The fleet runs (stop it with `make fleet-stop`):")
    elif args.action == "down":
        fleet.stop()
        print(f"stopped; still running: {', '.join(fleet.running()) or 'nothing'}")
        return 0
    running = fleet.running()
    for name, url in fleet.urls().items():
        print(f"  {name:34} {url}")
    print(f"  running: {', '.join(running)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
