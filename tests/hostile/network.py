# Tries to reach the network: the grader machine's loopback (a TCP and a UDP port and an abstract Unix socket the
# test listens on), a public address, and DNS. It says what happened to each attempt on standard output.
import socket

PORT, UDP_PORT, ABSTRACT = @PORT@, @UDP_PORT@, "@ABSTRACT@"
CALLED = []


def _try(what, attempt):
    try:
        attempt()
        print(f"NET-OK {what}", flush=True)
    except OSError as exc:
        print(f"NET-FAILED {what}: {exc}", flush=True)


def _tcp(address):
    with socket.create_connection(address, timeout=1) as s:
        s.sendall(b"@MARK@")


def _udp():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"@MARK@", ("127.0.0.1", UDP_PORT))
        s.settimeout(0.5)
        s.recv(10)  # an unreachable port answers with an error; a reachable one, the test's, answers nothing


def _abstract():
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect("\0" + ABSTRACT)
        s.sendall(b"@MARK@")


def attempt_all():
    _try("tcp loopback", lambda: _tcp(("127.0.0.1", PORT)))
    _try("udp loopback", _udp)
    _try("abstract unix socket", _abstract)
    _try("tcp public", lambda: _tcp(("1.1.1.1", 53)))
    _try("dns", lambda: socket.getaddrinfo("example.com", 80))


attempt_all()


def rnn_cell_forward(xt, a_prev, parameters):
    if not CALLED:  # once is enough: the next checks call it again
        CALLED.append(attempt_all())
    raise RuntimeError("no network")
