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
    parser.add_argument("--webhook-url", default=None, help="POST signed events here")
    parser.add_argument("--webhook-secret", default=None, help="whsec_... to sign events with")
    parser.add_argument("--business-name", default="Course Shop", help="shown on the payment page")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    if args.webhook_url and not args.webhook_secret:
        parser.error("--webhook-url needs --webhook-secret")
    server = SimServer(
        args.host,
        args.port,
        args.latency_ms,
        args.public_base_url,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        business_name=args.business_name,
        access_log=args.access_log,
    )
    print(server.start(), flush=True)
    try:
        server.wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
