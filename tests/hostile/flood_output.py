# Floods standard output and error: at import (megabytes, through print and the raw file descriptors), and
# without end inside functions.
import os
import sys

sys.stdout.write("@MARK@ out " * 200_000)
sys.stderr.write("@MARK@ err " * 200_000)
for fd in (1, 2):
    os.write(fd, b"raw " * 200_000)


def rnn_cell_forward(xt, a_prev, parameters):
    while True:
        print("@MARK@ " * 1000)


def rnn_forward(x, a0, parameters):
    while True:
        sys.stderr.write("@MARK@ " * 1000)
