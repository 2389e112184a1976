"""The fault drill through the fleet; its settings are shared with tests/fleet."""

# All shoppers come through one nginx on 127.0.0.1: the per-session limits stay as shipped, the
# per-address budget is lifted so that it does not throttle the drill's whole load.
DRILL_SETTINGS = {"RATE_LIMIT_IP_FACTOR": "100000"}
