# Sends SIGKILL to every process it may signal (kill -1), after starting a few of its own: in the sandbox those
# are the only ones it reaches.
import os
import signal
import subprocess
import sys


def rnn_cell_forward(xt, a_prev, parameters):
    for _ in range(3):
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "@MARK@"])
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError as exc:
        print(f"kill -1: {exc}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
