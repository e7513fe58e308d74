# Writes files larger than the sandbox allows: in its own folder, and (with bubblewrap) in its private /tmp.
PATHS = @PATHS@


def rnn_cell_forward(xt, a_prev, parameters):
    for path in PATHS:
        written = 0
        try:
            with open(path, "wb") as f:
                while written < 100:
                    f.write(b"x" * 2**20)
                    written += 1
        except OSError as exc:
            print(f"{path}: {written} MB, then: {exc}", flush=True)
    raise RuntimeError("wrote what it could")
