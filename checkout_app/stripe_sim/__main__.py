"""Command line entry point: `python -m checkout_app.stripe_sim --port 12111`."""

import argparse

from .server import SimServer


def main(argv: list[str] | None = None) -> None:
    """Run the simulator in the foreground, printing its base URL on one line."""
    parser = argparse.ArgumentParser(description="Local Stripe Checkout simulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--public-base-url", default=None)
    args = parser.parse_args(argv)
    server = SimServer(args.host, args.port, args.latency_ms, args.public_base_url)
    print(server.start(), flush=True)
    try:
        server.wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
