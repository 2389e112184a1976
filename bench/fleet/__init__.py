"""The production topology on one machine (`make fleet`) and its drill (`make fleet-drill`)."""
