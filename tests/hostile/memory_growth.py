# Takes memory until it can't: in a loop that retries after MemoryError, and in one that lets it propagate;
# and fills its /tmp.
TRIED = []


def rnn_cell_forward(xt, a_prev, parameters):
    hoard = []
    while True:
        try:
            hoard.append(bytearray(64 * 2**20))
        except MemoryError:
            hoard = hoard[1:]


def rnn_forward(x, a0, parameters):
    if TRIED:  # called again by the next check: the answer is the same, and quicker
        raise MemoryError("still out of memory")
    TRIED.append(True)
    hoard = []
    while True:
        hoard.append(bytearray(64 * 2**20))


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    written = 0
    try:
        with open("/tmp/@MARK@-fill", "wb") as f:
            while True:
                f.write(b"x" * 2**20)
                written += 1
    except OSError as exc:
        print(f"/tmp took {written} MB, then: {exc}", flush=True)
    raise RuntimeError(f"wrote {written} MB into /tmp")
