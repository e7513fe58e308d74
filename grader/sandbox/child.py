"""The sandboxed child: loads the student's code, then serves the grader's calls.

Run as `python -I child.py --fds R,W` inside the submission's scratch copy, beside wire.py. It never sees expected
values: the grader sends inputs, and a graded function that the grader puts in place of another (the reference
callee) runs in the grader, reached back through the same pipe.
"""
import argparse
import hashlib
import inspect
import json
import os
import sys
import traceback

# The runtime folder is on the path only while the child's own modules load, so that a student's
# wire.py or loader.py is theirs.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loader  # noqa: E402
import wire  # noqa: E402

del sys.path[0], sys.modules["loader"], sys.modules["wire"]


class Channel:
    def __init__(self, read_fd, write_fd):
        self.read_fd, self.write_fd = read_fd, write_fd

    def send(self, message):
        data = wire.pack(message)
        while data:
            data = data[os.write(self.write_fd, data):]

    def receive(self):
        length = wire.unpack_length(self._exactly(wire.HEADER_BYTES))
        return json.loads(self._exactly(length))

    def _exactly(self, n):
        chunks = []
        while n:
            chunk = os.read(self.read_fd, min(n, 2**20))
            if not chunk:
                raise SystemExit(0)
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)


class Kept:
    """Objects that can't cross to the grader, kept here under an id the grader can pass back."""

    def __init__(self):
        self.objects = {}

    def keep(self, obj):
        self.objects[id(obj)] = obj
        return id(obj)

    def resolve(self, key):
        if key not in self.objects:
            raise wire.WireError(f"unknown handle {key}")
        return self.objects[key]


def describe_error(exc, work):
    """The exception as the student should read it: type, message and the last line of their own code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _is_student_file(f.filename, work)]
    where = frames[-1] if frames else None
    lines = traceback.format_exception_only(type(exc), exc)

    def relative(text):  # the scratch folder's name changes from run to run; the report must not
        return text.replace(work + os.sep, "")

    if isinstance(exc, SyntaxError) and exc.filename:  # no frame of theirs: the error is where it was parsed
        return {"type": type(exc).__name__, "message": relative(lines[-1].strip()),
                "file": os.path.basename(exc.filename), "line": exc.lineno, "code": (exc.text or "").strip()[:200],
                "traceback": relative("".join(lines))[-4000:]}
    return {
        "type": type(exc).__name__,
        "message": relative("".join(lines).strip())[-2000:],
        "file": os.path.basename(where.filename) if where else None,
        "line": where.lineno if where else None,
        "code": (where.line or "").strip()[:200] if where else None,
        "traceback": relative("".join(traceback.format_list(frames)))[-4000:],
    }


def _is_student_file(filename, work):
    return filename.startswith(work) or filename.startswith("<cell")


class Child:
    def __init__(self, channel, work):
        self.channel, self.work, self.kept = channel, work, Kept()
        self.namespace = None
        self.modules = {}  # a program split across modules: {module: its namespace}

    def serve(self):
        while True:
            request = self.channel.receive()
            op = request.get("op")
            if op == "load":
                self.channel.send(self.load(request))
            elif op == "call":
                self.channel.send(self.call(request))
            elif op == "cell":  # a notebook's next code cell, run in the namespace that "load" made
                self.channel.send(loader.run_cell(request, self.work, describe_error))
            else:
                self.channel.send({"op": "protocol_error", "message": f"unknown op {op!r}"})

    def load(self, request):
        self.namespace, report = loader.load(request, self.work, self.channel, describe_error)
        self.modules = report.pop("modules", {})
        names = sorted(k for k, v in self.namespace.items() if callable(v) and not k.startswith("_"))
        definitions = {name: found for name in names if (found := self._definitions(name))}
        return {"op": "loaded", "functions": names, "definitions": definitions, **report}

    def _definitions(self, name):
        """{module: digest of the source} of the modules of a split program whose own code defines `name` (a
        star-imported copy is not a definition)."""
        found = {}
        for module, namespace in self.modules.items():
            value = namespace.get(name)
            code = getattr(value, "__code__", None)
            file = namespace.get("__file__")
            if code is not None and file and os.path.realpath(code.co_filename) == os.path.realpath(file):
                try:
                    text = inspect.getsource(value).encode()
                except (OSError, TypeError):
                    text = code.co_code
                found[module] = hashlib.sha256(text).hexdigest()[:16]
        return found

    def call(self, request):
        name = request["function"]
        namespace = self.modules.get(request.get("module"), self.namespace)
        if namespace is None or not callable(namespace.get(name)):
            return {"op": "missing", "function": name}
        saved = {n: namespace[n] for n in request.get("substitute", []) if n in namespace}
        for callee in request.get("substitute", []):
            namespace[callee] = self._remote(callee)
        try:
            args = wire.decode(request["args"], self.kept.resolve)
            kwargs = wire.decode(request["kwargs"], self.kept.resolve)
            value = namespace[name](*args, **kwargs)
        except BaseException as exc:  # the student's SystemExit and KeyboardInterrupt are reported too
            return {"op": "raised", "error": describe_error(exc, self.work)}
        finally:
            namespace.update(saved)
            for callee in set(request.get("substitute", [])) - set(saved):
                namespace.pop(callee, None)
            _flush()
        try:
            return {"op": "return", "value": wire.encode(value, self.kept.keep)}
        except (wire.WireError, RecursionError, MemoryError) as exc:
            return {"op": "unsendable", "message": str(exc)[:500]}

    def _remote(self, callee):
        """A stand-in for a graded callee: the grader answers it with the reference."""
        channel, kept = self.channel, self.kept

        def remote(*args, **kwargs):
            channel.send({"op": "callback", "function": callee,
                          "args": wire.encode(args, kept.keep), "kwargs": wire.encode(kwargs, kept.keep)})
            answer = channel.receive()
            if answer.get("op") != "callback_return":
                raise RuntimeError(answer.get("message", f"{callee} failed"))
            return wire.decode(answer["value"], kept.resolve)

        remote.__name__ = callee
        return remote


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def confine(processes, user):
    """Before any student code: cap the processes of the sandbox's user, and become that user (see isolation.py).

    Dropping from uid 0 to `user` also drops the CAP_SETUID and CAP_SETGID the sandbox started with."""
    import resource
    if processes is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    if user is not None:
        os.setgroups([])
        os.setgid(user)
        os.setuid(user)
        if os.getuid() != user or os.geteuid() != user:
            raise SystemExit(f"the sandbox could not become uid {user}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fds", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--provided", default=None)
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--user", type=int, default=None)
    options = parser.parse_args()
    confine(options.processes, options.user)
    read_fd, write_fd = (int(n) for n in options.fds.split(","))
    sys.path[:0] = [options.work] + ([options.provided] if options.provided else [])
    os.chdir(options.work)
    Child(Channel(read_fd, write_fd), os.path.realpath(options.work)).serve()


if __name__ == "__main__":
    main()
