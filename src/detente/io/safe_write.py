"""Writing output files without ever harming what the user wrote.

Every file detente writes (reports, scenario files, tables, charts, draws) goes through
:func:`write_output`, which

- refuses an output path that is an input file of the run: the same path once links are
  resolved (:meth:`pathlib.Path.resolve`), or the same file under another name (a hard
  link: same ``st_dev`` and ``st_ino``). The inputs are the files the readers of this
  process have read (:func:`register_input`, called by :func:`detente.io.common.check_file`)
  and any the caller names. ``overwrite`` (``--force``) never lifts this check;
- refuses a symbolic link at the output path (it would write through the link, or silently
  replace it): the user names the real file instead;
- refuses an existing file unless ``overwrite``, and a directory or other non-file always;
- writes atomically: a temporary file in the same folder (created with ``O_EXCL``, so
  nothing else is followed or truncated), flushed and ``fsync``-ed, then :func:`os.replace`
  onto the output path, and the folder ``fsync``-ed. A failed write leaves the old file as
  it was and no temporary file behind. A replaced file keeps its permission bits.

Problems are :class:`~detente.errors.InputError` (one line, CLI exit status 2), including
the operating system's own refusals (a read-only folder, a full disk).
"""

from __future__ import annotations

import os
import stat
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path

from detente.errors import InputError

__all__ = [
    "MAX_REMEMBERED_INPUTS",
    "check_output",
    "forget_inputs",
    "input_files",
    "register_input",
    "write_output",
]

#: how many input files a process remembers (a long-running dashboard reads many uploads)
MAX_REMEMBERED_INPUTS = 1024

Writer = Callable[[Path], object]

_lock = threading.Lock()
# resolved path -> (st_dev, st_ino) of the files read by this process, oldest first
_inputs: OrderedDict[Path, tuple[int, int]] = OrderedDict()


def register_input(path: str | Path) -> None:
    """Remember that ``path`` was read as an input: no output of this process may replace
    it. Called by every reader (through :func:`detente.io.common.check_file`)."""
    p = Path(path)
    try:
        st = p.stat()
        resolved = p.resolve()
    except (OSError, RuntimeError):
        return  # not a file we can name: nothing to protect
    with _lock:
        _inputs.pop(resolved, None)
        _inputs[resolved] = (st.st_dev, st.st_ino)
        while len(_inputs) > MAX_REMEMBERED_INPUTS:
            _inputs.popitem(last=False)


def input_files() -> tuple[Path, ...]:
    """The input files this process has read (resolved paths, oldest first)."""
    with _lock:
        return tuple(_inputs)


def forget_inputs() -> None:
    """Forget every registered input (for tests and for a dashboard's new session)."""
    with _lock:
        _inputs.clear()


def _identities(inputs: Iterable[str | Path]) -> list[tuple[Path, Path, tuple[int, int] | None]]:
    """(as given, resolved, (st_dev, st_ino) or None) of every input to protect."""
    out: list[tuple[Path, Path, tuple[int, int] | None]] = []
    for given in inputs:
        p = Path(given)
        try:
            resolved = p.resolve()
        except (OSError, RuntimeError):
            continue
        try:
            st = p.stat()
            ident: tuple[int, int] | None = (st.st_dev, st.st_ino)
        except OSError:
            ident = None
        out.append((p, resolved, ident))
    with _lock:
        out.extend((p, p, ident) for p, ident in _inputs.items())
    return out


def check_output(
    path: str | Path,
    *,
    inputs: Iterable[str | Path] = (),
    overwrite: bool = False,
    where: str | None = None,
    overwrite_hint: str = "--force to overwrite",
) -> Path:
    """The output path, once it is known to be safe to write (see the module docstring).

    ``inputs``: files of the run besides those the readers registered. ``where``: the option
    the path came from (``-o``), for messages. ``overwrite_hint``: how the user allows
    overwriting, as the message should say it.
    """
    p = Path(path)
    src = str(path)
    if p.is_symlink():
        try:
            target = os.readlink(p)
        except OSError:
            target = "?"
        raise InputError(
            f"the output path is a symbolic link (to {target}); detente does not write "
            "through links or replace them",
            source=src,
            where=where,
            allowed="the path of a regular file, not a link",
        )
    try:
        out_resolved = p.resolve()
    except (OSError, RuntimeError) as exc:  # a loop of links in the folders
        raise InputError(
            f"cannot resolve the output path ({exc.strerror or exc})",
            source=src,
            where=where,
            allowed="a path in an existing folder",
        ) from None
    try:
        st: os.stat_result | None = p.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputError(
            f"cannot inspect the output path ({exc.strerror or exc})",
            source=src,
            where=where,
            allowed="a path in a folder you can read and write",
        ) from None
    out_ident = None if st is None else (st.st_dev, st.st_ino)
    for given, resolved, ident in _identities(inputs):
        same_name = resolved == out_resolved
        same_file = out_ident is not None and ident == out_ident
        if same_name or same_file:
            if not same_name:
                how = "is another name (a hard link) of"
            elif given.absolute() == p.absolute():
                how = "is"
            else:
                how = "leads (through links) to"
            raise InputError(
                f"the output path {how} the input file {given}; detente never overwrites "
                "its inputs",
                source=src,
                where=where,
                allowed="an output path other than the run's input files (not even --force "
                "or overwrite=True writes over them)",
            )
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            raise InputError(f"the path is {kind}", source=src, where=where, allowed="a file name")
        if not overwrite:
            raise InputError(
                "the file exists already; it is left as it is",
                source=src,
                where=where,
                allowed=f"a new file name, or {overwrite_hint}"
                if overwrite_hint
                else "a new file name",
            )
    if not p.parent.is_dir():
        raise InputError(
            f"the folder {str(p.parent)!r} does not exist",
            source=src,
            where=where,
            allowed="a path in an existing folder",
        )
    return p


def write_output(
    path: str | Path,
    data: str | bytes | Writer,
    *,
    inputs: Iterable[str | Path] = (),
    overwrite: bool = False,
    where: str | None = None,
    overwrite_hint: str = "--force to overwrite",
    encoding: str = "utf-8",
) -> Path:
    """Write ``data`` to ``path`` safely and atomically (see the module docstring).

    ``data`` is the text (encoded with ``encoding``) or bytes to write, or a function that
    writes the file given a path, for libraries that write to paths themselves (openpyxl,
    pandas, matplotlib): it gets a temporary path with the output's suffix. Returns the path.
    """
    inputs = tuple(inputs)
    p = check_output(
        path, inputs=inputs, overwrite=overwrite, where=where, overwrite_hint=overwrite_hint
    )
    src = str(path)
    try:
        mode = stat.S_IMODE(p.stat().st_mode) if p.exists() else None
    except OSError:
        mode = None
    tmp = p.parent / f".{p.name}.{uuid.uuid4().hex[:12]}.tmp{p.suffix}"
    try:
        fd = os.open(
            tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666
        )
        if isinstance(data, str | bytes):
            payload = data.encode(encoding) if isinstance(data, str) else data
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
        else:
            os.close(fd)
            data(tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        # the output path may have changed while the file was written: check again
        check_output(
            p, inputs=inputs, overwrite=overwrite, where=where, overwrite_hint=overwrite_hint
        )
        os.replace(tmp, p)
        _sync_folder(p.parent)
    except OSError as exc:
        raise InputError(
            f"cannot write the file ({exc.strerror or exc})",
            source=src,
            where=where,
            allowed="a path in a folder you can write to, on a disk with room",
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    return p


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); a no-op where folders cannot be opened."""
    flags = getattr(os, "O_DIRECTORY", None)
    if flags is None:
        return
    try:
        fd = os.open(folder, os.O_RDONLY | flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
