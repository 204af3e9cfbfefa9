"""Background workers: RQ job entry points and the worker process."""
