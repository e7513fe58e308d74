# Leaves processes and threads behind, at import and in a function: a plain child, a double-forked daemon in its
# own session that ignores SIGTERM and SIGHUP, and threads. Every one carries MARK in its command line or name,
# so the test can look for survivors after grading.
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

MARK = "@MARK@"
SLEEPER = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True: time.sleep(1)"


def _name_this_thread():
    ctypes.CDLL(None).prctl(15, MARK.encode(), 0, 0, 0)  # PR_SET_NAME: /proc/<pid>/task/<tid>/comm


def _spin():
    _name_this_thread()
    while True:
        time.sleep(0.01)


def _daemon():
    if os.fork() == 0:
        os.setsid()
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", SLEEPER, MARK, "daemon"])
        os._exit(0)


def _leave_behind(where):
    subprocess.Popen([sys.executable, "-c", SLEEPER, MARK, where])
    subprocess.Popen([sys.executable, "-c", SLEEPER, MARK, where, "session"], start_new_session=True)
    _daemon()
    threading.Thread(target=_spin, daemon=False).start()


_leave_behind("import")


def rnn_cell_forward(xt, a_prev, parameters):
    _leave_behind("call")
    return "left things behind"
