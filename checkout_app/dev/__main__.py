"""`python -m checkout_app.dev stop` (make stop): stop the dev stack's servers."""

import sys

from checkout_app.dev import stack


def main(argv: list[str]) -> int:
    """Stop the simulator and the embedded PostgreSQL and Redis; print what was stopped."""
    if argv != ["stop"]:
        print("usage: python -m checkout_app.dev stop", file=sys.stderr)
        return 2
    stopped = stack.stop_all()
    print("stopped: " + ", ".join(stopped) if stopped else "nothing was running")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
