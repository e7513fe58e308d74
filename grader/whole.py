"""A file written whole: a reader in another process (another worker, another command, a browser, Gradescope)
never sees half of one."""
import os
import threading


def write_whole(path, data, make_folder=False):
    """Replace `path` (a Path) with `data` (text, written as UTF-8, or bytes) in one rename. The temporary file beside
    it is named by this process and thread, so that writers of the same file at once (grade-all's workers, the API's
    threads) never mix their data, and it is removed if anything fails; the error is raised. `make_folder`: make the
    folder first (a cache's)."""
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(temporary, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
