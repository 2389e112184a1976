"""gunicorn.conf.py's hooks."""

from __future__ import annotations

import gc
import importlib.util
from pathlib import Path


def test_gunicorn_workers_freeze_what_the_app_allocated_at_start():
    path = Path(__file__).parents[2] / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    gc.unfreeze()
    try:
        conf.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
