"""Use cases as plain functions; each receives its collaborators in a Shop."""
