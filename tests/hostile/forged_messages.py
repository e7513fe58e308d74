# Writes forged protocol messages straight to the pipe its process answers the grader on (the descriptor is on
# the child's command line), then ends the process: the grader must reject each one and go on grading.
import json
import os
import struct
import sys

WRITE_FD = int(sys.argv[sys.argv.index("--fds") + 1].split(",")[1])


def _forge(body, header=None, value=None, raw=b""):
    """A message as the wire frames it: its length, then the length of its JSON, the JSON, and the blob of its
    value (`value`: the length of its JSON, the JSON, then the arrays' bytes `raw`) in its "value" field."""
    blob = b""
    if value is not None:
        text = json.dumps(value).encode()
        blob = struct.pack(">I", len(text)) + text + raw
        body = {**body, "value": {"$v": [0, len(blob)]}}
    text = body if isinstance(body, bytes) else json.dumps(body).encode()
    data = struct.pack(">I", len(text)) + text + blob
    os.write(WRITE_FD, struct.pack(">Q", len(data) if header is None else header) + data)
    os._exit(0)


def rnn_cell_forward(xt, a_prev, parameters):
    _forge(b"{}", header=2**62)  # a message of 4 EiB


def rnn_forward(x, a0, parameters):
    _forge(b"[" * 200_000 + b"]" * 200_000)  # nested past any recursion limit


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    _forge({"op": "return"}, value={"$nd": ["|O", [1], 0]}, raw=bytes(8))  # an array of Python objects


def lstm_forward(x, a0, parameters):
    _forge({"op": "return"}, value={"$nd": ["<f8", [2**31, 2**31], 0]})  # 2**62 elements, no data


def rnn_cell_backward(da_next, cache):
    _forge({"op": "return"}, value=10**40)  # an integer no array can hold


def rnn_backward(da, caches):
    _forge(["not", "a", "message"])


def lstm_cell_backward(da_next, dc_next, cache):
    _forge({"op": "return"}, value={"$nd": ["<f8", [4], 8]}, raw=bytes(16))  # bytes past the message's end
