# Replaces the sandbox child's error formatter (a global of the child's __main__ module, looked up at each call)
# with one that sends the largest strings the wire lets through, then raises in every graded function: the
# grader must keep reports of bounded size whatever the child sends.
import __main__

BIG = 2**20 - 64  # just under the wire's cap on one string


def _describe(exc, work):
    return {"type": "E" * 100, "message": "M" * BIG, "file": "F" * 1000, "line": 1, "code": "C" * BIG,
            "traceback": "T" * BIG}


__main__.describe_error = _describe


def rnn_cell_forward(xt, a_prev, parameters):
    raise ValueError("no")


def rnn_forward(x, a0, parameters):
    raise ValueError("no")


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    raise ValueError("no")


def lstm_forward(x, a0, parameters):
    raise ValueError("no")


def rnn_cell_backward(da_next, cache):
    raise ValueError("no")


def rnn_backward(da, caches):
    raise ValueError("no")


def lstm_cell_backward(da_next, dc_next, cache):
    raise ValueError("no")


def lstm_backward(da, caches):
    raise ValueError("no")
