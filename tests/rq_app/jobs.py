"""Jobs of the RQ test app: ones that succeed, fail, and run long."""
import time


def ok(x=1):
    return x * 2


def fail(msg="boom"):
    raise ValueError(msg)


def slow(seconds=5.0):
    time.sleep(seconds)
    return seconds
