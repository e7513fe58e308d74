"""The sandboxed child: loads the student's code, then serves the grader's calls.

Run as `python -I child.py --fds R,W` inside the submission's scratch copy, beside wire.py. It never sees expected
values: the grader sends inputs, and a graded function that the grader puts in place of another (the reference
callee) runs in the grader, reached back through the same pipe. A request may come with the answers the reference
gave to the same callbacks before, each sealed by its question (wire.seal): one opens only for a callback made
with exactly those arguments, which the grader would answer alike, so the round trip is saved and nothing more is
told.
"""
import hashlib
import inspect
import os
import select
import sys
import traceback

# The runtime folder is on the path only while the child's own modules load, so that a student's
# wire.py or loader.py is theirs. (The sandbox runs this file's compiled module, in the folder's __pycache__.)
_here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(_here) if os.path.basename(_here) == "__pycache__" else _here)
from confine import confine  # noqa: E402
import loader  # noqa: E402
import wire  # noqa: E402

del sys.path[0], sys.modules["confine"], sys.modules["loader"], sys.modules["wire"], _here


class Channel:
    """The pipes to the grader, used by the process that made it only: a student's function that forks and whose
    fork returns (a second fork that failed at the process cap, say) would otherwise come back here as a second
    server on the same pipes, taking half of the grader's messages. A fork that reaches the channel ends at once.
    os.getpid and os._exit are taken before any student code runs, which may replace them."""

    def __init__(self, read_fd, write_fd, _pid=os.getpid, _exit=os._exit):
        self.read_fd, self.write_fd = read_fd, write_fd
        self.buffer = bytearray()
        self._owner, self._pid, self._exit = _pid(), _pid, _exit

    def _mine(self):
        if self._pid() != self._owner:
            self._exit(0)

    def send(self, message):
        self._mine()
        data = memoryview(wire.pack(message))
        while data:
            data = data[os.write(self.write_fd, data):]

    def receive(self):
        self._mine()
        length = wire.unpack_length(self._exactly(wire.HEADER_BYTES))
        return wire.unpack(self._exactly(length))

    def _exactly(self, n):
        """`n` bytes from the grader: a message's length and its body come in one read, as a rule."""
        buffer = self.buffer
        while len(buffer) < n:  # (no max(): the student's code may have replaced it, as builtins.max)
            missing = n - len(buffer)  # at least 64 kB, at most what a pipe holds (process.PIPE_BYTES)
            chunk = os.read(self.read_fd, 2**16 if missing < 2**16 else missing if missing < 2**20 else 2**20)
            if not chunk:
                raise SystemExit(0)
            buffer += chunk
        return wire.take(buffer, n)


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
        **_still_none(exc, work),
    }


def _still_none(exc, work):
    """{"none": [name, line, its text]} where the student's code stopped on None held by a name that its function
    set to None itself, on a line before (`gradients = None`, a handout's placeholder left in place: the grader
    says so where the line is the handout's); else {}."""
    if not isinstance(exc, TypeError) or "NoneType" not in str(exc):
        return {}
    try:
        import linecache
        import re
        tb, last = exc.__traceback__, None
        while tb is not None:
            if _is_student_file(tb.tb_frame.f_code.co_filename, work):
                last = tb
            tb = tb.tb_next
        if last is None:
            return {}
        code, values = last.tb_frame.f_code, last.tb_frame.f_locals
        read = _names_read(linecache.getline(code.co_filename, last.tb_lineno).strip())
        for number in range(code.co_firstlineno, last.tb_lineno):
            text = linecache.getline(code.co_filename, number).strip()
            named = re.fullmatch(r"(\w+)\s*=\s*None\s*(#.*)?", text)
            if named and named[1] in read and values.get(named[1], 0) is None:
                return {"none": [named[1], number, text[:200]]}
    except Exception:  # noqa: BLE001 -- a hint for the message only: the error is described without it
        pass
    return {}


def _names_read(line):
    """The names a line of code reads (not those it assigns). A line that can't be parsed alone (the first of a
    statement over several): the words right of its first ` = ` (all of them, if it has none), strings left out."""
    import ast
    import re
    for text in (line, line + " pass"):  # (a compound statement's header: `for t in range(n):`)
        try:
            return {n.id for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        except SyntaxError:
            continue
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "''", line)
    return set(re.findall(r"[A-Za-z_]\w*", text.partition(" = ")[2] or text))


def _is_student_file(filename, work):
    return filename.startswith(work) or filename.startswith("<cell")


class Child:
    def __init__(self, channel, work):
        self.channel, self.work, self.kept = channel, work, Kept()
        # id(cache) -> (the cache, the arguments of the call that made it), for the step forwards a call asked to
        # record: a stand-in backward given such a cache (the student's own) answers from those arguments
        self.made = {}
        self.namespace = None
        self.modules = {}  # a program split across modules: {module: its namespace}
        self.answered = Answered()  # the grader's answers to this child's callbacks, to be given again
        self.sealed = {}  # the answers the request being served came with, sealed by their question (wire.seal)

    def serve(self):
        while True:
            request = self.channel.receive()
            op = request.get("op")
            if op == "load":
                self.channel.send(self.load(request))
            elif op == "call":
                self._unpack_sealed(request)
                self.channel.send(self.call(request))
            elif op == "calls":  # many cases of one function in one message; each case's answer is sent as it ends
                self._unpack_sealed(request)
                for case in request.get("cases", []):
                    self.channel.send(self.call({**request, **case}))
            elif op == "cell":  # a notebook's next code cell, run in the namespace that "load" made
                self.channel.send(loader.run_cell(request, self.work, describe_error))
            else:
                self.channel.send({"op": "protocol_error", "message": f"unknown op {op!r}"})

    def _unpack_sealed(self, request):
        """The sealed answers of this request only (none kept from an earlier one)."""
        self.sealed.clear()
        for pair in request.get("sealed") or ():
            if type(pair) is list and len(pair) == 2 and type(pair[0]) is bytes and type(pair[1]) is bytes:
                self.sealed[pair[0]] = pair[1]

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
        substitute, pairs = request.get("substitute", []), request.get("pairs", {})
        versions = dict(zip(substitute, request.get("versions", ())))
        remotes = {callee: self._remote(callee, callee in pairs.values(), callee in pairs, namespace.get(callee),
                                        versions.get(callee)) for callee in substitute}
        record = [n for n in request.get("record", []) if n not in remotes and callable(namespace.get(n))]
        if record:
            self.made.clear()
        remotes.update({callee: self._recorder(namespace[callee]) for callee in record})
        substitute = [*substitute, *record]
        saved = []
        try:
            target = self._target(request, name, namespace)
            # The callees are replaced where the graded code looks them up: the submission's namespace, and the
            # module the function was defined in when it was imported from another file (a notebook's
            # `from package.module import *`), where only the names that module has are replaced.
            for space in self._namespaces(target, namespace) if substitute else ():
                names = substitute if space is namespace else [n for n in substitute if n in space]
                saved.append((space, names, {n: space[n] for n in names if n in space}))
                space.update({n: remotes[n] for n in names})
            args = wire.decode(request["args"], self.kept.resolve)
            kwargs = wire.decode(request["kwargs"], self.kept.resolve)
            value = target(*args, **kwargs)
        except BaseException as exc:  # the student's SystemExit and KeyboardInterrupt are reported too
            return {"op": "raised", "error": describe_error(exc, self.work)}
        finally:
            for space, names, before in saved:
                space.update(before)
                for callee in set(names) - set(before):
                    space.pop(callee, None)
            _flush()
        try:
            return {"op": "return", "value": self._encode(value, request.get("keep"))}
        except (wire.WireError, RecursionError, MemoryError) as exc:
            return {"op": "unsendable", "message": str(exc)[:500]}

    def _namespaces(self, target, namespace):
        """`namespace` (the submission's, or the module of a split program the function is graded from), and the
        globals of the module `target` (a function or method) comes from."""
        spaces = [namespace]
        code = getattr(target, "__func__", target)
        module_globals = getattr(code, "__globals__", None) if callable(code) else None
        if type(module_globals) is dict and module_globals is not namespace:
            spaces.append(module_globals)
        return spaces

    def _target(self, request, name, namespace):
        """The function called: `name` in `namespace`, or a method (a dotted path) of an object kept here."""
        if request.get("target") is None:
            return namespace[name]
        target = self.kept.resolve(request["target"])
        for part in str(request.get("method", "")).split("."):
            target = getattr(target, part)
        return target

    def _encode(self, value, keep):
        """`keep`: "all" keeps the whole value here (an object to call methods of), "last" its last item (the
        cache a forward function returns), so that the grader can pass it back exactly as the student made it."""
        if keep == "all":
            return wire.encode(self._handle(value))
        if keep == "last" and type(value) in (tuple, list) and value:
            return wire.encode((*value[:-1], self._handle(value[-1])), self.kept.keep)
        return wire.encode(value, self.kept.keep)

    def _handle(self, value):
        return wire.Handle(self.kept.keep(value), type(value).__name__[:80])

    def _recorder(self, own):
        """The student's own step forward, remembering the arguments of each cache it returns (by identity)."""
        made = self.made

        def record(*args, **kwargs):
            value = own(*args, **kwargs)
            if type(value) in (tuple, list) and value:
                made[id(value[-1])] = (value[-1], args, kwargs)
            return value
        record.__name__ = getattr(own, "__name__", "recorded")
        return record

    def _remote(self, callee, makes_cache=False, takes_cache=False, own=None, version=None):
        """A stand-in for a graded callee: the grader answers it with the reference. The cache that a stand-in
        forward returns is an opaque token (the reference's cache stays in the grader); a stand-in backward given
        such a token sends it back, so that the grader answers with the reference's gradients at those inputs.
        Given a cache of the student's own making instead (their forward did the step itself), it is the student's
        own function (`own`) that answers: the reference can't read a student's cache.

        `version`: the grader's name for the function that stands in (None: not said). An answer it gave is given
        again, without a round trip, to a call of the same stand-in with the same arguments' bytes (Answered)."""
        channel, kept, made, answered, sealed = self.channel, self.kept, self.made, self.answered, self.sealed

        def remote(*args, **kwargs):
            message = {"op": "callback", "function": callee}
            if takes_cache and args and isinstance(args[-1], CacheToken):
                message["token"], args = args[-1].token, args[:-1]
            elif takes_cache and args and id(args[-1]) in made and made[id(args[-1])][0] is args[-1]:
                _, inputs, keywords = made[id(args[-1])]  # the student's own step cache: the grader answers
                message["inputs"] = wire.encode([list(inputs), keywords], kept.keep)  # from that step's inputs
                args = args[:-1]
            elif takes_cache and callable(own):
                return own(*args, **kwargs)
            message.update(args=wire.encode(args, kept.keep), kwargs=wire.encode(kwargs, kept.keep))
            key = None if version is None or "inputs" in message or \
                len(message["args"]) + len(message["kwargs"]) > answered.MOST_EACH else (
                callee, version, makes_cache, message.get("token"), message["args"], message["kwargs"])
            answer = answered.get(key)
            if answer is None and key is not None:  # sealed by this very question (its token, if given one)
                answer = _opened(sealed, wire.callback_question(callee, version, makes_cache, message.get("token"),
                                                                message["args"], message["kwargs"]))
                if answer is not None:
                    answered.put(key, answer)
            if answer is None:
                channel.send(message)
                answer = channel.receive()
                if answer.get("op") != "callback_return":
                    raise RuntimeError(answer.get("message", f"{callee} failed"))
                answered.put(key, answer)
            value = wire.decode(answer["value"], kept.resolve)
            if makes_cache and "token" in answer and type(value) is tuple:
                value = (*value, CacheToken(callee, answer["token"]))
            return value

        remote.__name__ = callee
        return remote


def _opened(sealed, question):
    """The answer sealed by this callback's question (wire.seal), as the grader would send it, or None."""
    plain = wire.unseal(question, sealed)
    if plain is None or len(plain) < 8:
        return None
    token = int.from_bytes(plain[:8], "big")
    return {"op": "callback_return", "value": plain[8:], **({"token": token} if token else {})}


class Answered:
    """The grader's answers to this child's callbacks, {key: answer}, the first MOST_ANSWERS (or MOST_BYTES)
    kept. A stand-in is the reference's function, whose answer depends on its arguments only: the same callback
    again (a property test's invariant asks a forward on the same steps but the last; a case asked again) is given
    the same answer, decoded anew (its arrays the caller's own to change), without waking the grader. It holds only
    answers this child was given, to its own calls; the student's code saw each one as it came.

    Only a question and answer of MOST_EACH bytes at most are kept, MOST_BYTES in all: the callbacks asked again
    are a property test's small cases, and a model's sequences (75 kB) are never asked twice; keeping them made the
    child's heap grow by 32 MB in a training, a page fault every 4 kB (a quarter of its CPU there)."""

    MOST_ANSWERS, MOST_BYTES, MOST_EACH = 4096, 8 * 2**20, 2**15

    def __init__(self):
        self.kept, self.bytes = {}, 0

    def get(self, key):
        return None if key is None else self.kept.get(key)

    def put(self, key, answer):
        size = 0 if key is None else len(key[4]) + len(key[5]) + len(answer["value"])
        if key is None or len(self.kept) >= self.MOST_ANSWERS or self.bytes + size > self.MOST_BYTES or \
                size > self.MOST_EACH:
            return
        self.kept[key], self.bytes = answer, self.bytes + size


class CacheToken:
    """The cache of a reference stand-in's step: only a token; the grader keeps the reference's own cache."""

    __slots__ = ("made_by", "token")

    def __init__(self, made_by, token):
        self.made_by, self.token = made_by, token

    def __repr__(self):
        return f"<cache of {self.made_by}, kept by the grader>"


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


OPTIONS = ("--fds", "--work", "--provided", "--processes", "--user", "--warm")


def options(arguments):
    """{option: its value} of the grader's command line (process.py's: each option once, with its value), read
    without argparse, whose import is 1.5 ms of every start; any other command line ends the child, said why."""
    given = dict(zip(arguments[::2], arguments[1::2]))
    if 2 * len(given) != len(arguments) or not {"--fds", "--work"} <= given.keys() <= set(OPTIONS):
        raise SystemExit(f"child.py: expected {' VALUE '.join(OPTIONS)} VALUE (--fds and --work required), got "
                         f"{arguments!r}")
    return given


def main():
    given = options(sys.argv[1:])
    confine(*(int(given[name]) if name in given else None for name in ("--processes", "--user")))
    read_fd, write_fd = (int(n) for n in given["--fds"].split(","))
    warm = given.get("--warm")
    if warm in ("notebook", "plotting"):  # started ahead of a notebook (spare.py, ahead.py): its shell's modules,
        loader.warm(lambda: _waiting(read_fd), warm == "plotting")  # and matplotlib if it uses it
    serve_pipes(read_fd, write_fd, given["--work"], given.get("--provided"))


def _waiting(fd):
    """Whether the grader's next request is there to be read on `fd`."""
    return bool(select.select([fd], [], [], 0)[0])


def serve_pipes(read_fd, write_fd, work, provided):
    """Serve the grader's requests on these pipes, in `work` (the zygote calls this in each sandbox it forks)."""
    sys.path[:0] = [work] + ([provided] if provided else [])
    os.chdir(work)
    Child(Channel(read_fd, write_fd), os.path.realpath(work)).serve()


def run():
    """main(), ended as the zygote's forks end (zygote._child): the exit handlers run, then the process ends without
    the interpreter's teardown of every module, which takes 0.3 s once a notebook's shell and matplotlib are loaded
    (the grader waits for the child to end at the end of its requests)."""
    code = 0
    try:
        main()
    except SystemExit as exc:  # as the interpreter ends a script: a message goes to standard error
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
        code = 1
    import atexit
    atexit._run_exitfuncs()
    _flush()
    os._exit(code)


if __name__ == "__main__":
    run()
