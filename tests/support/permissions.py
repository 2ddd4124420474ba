"""Read-only folders that hold even when the tests run as root.

root writes into a ``chmod 555`` folder because it has CAP_DAC_OVERRIDE, so a test of "a folder we
cannot write" proves nothing as root. ``file_permissions_apply()`` lowers the calling thread's
*effective* CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH for the duration of a ``with`` block (they
stay in the permitted set, so they are raised again afterwards). Threads started inside the block
inherit the lowered set. As a user it does nothing; where capabilities cannot be changed it skips.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
from collections.abc import Iterator

import pytest

_VERSION_3 = 0x20080522
_DAC_OVERRIDE, _DAC_READ_SEARCH = 1, 2


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _capabilities() -> tuple[ctypes.CDLL, _Header, ctypes.Array[_Data]]:
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = _Header(_VERSION_3, 0), (_Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    return libc, header, data


@contextlib.contextmanager
def file_permissions_apply() -> Iterator[None]:
    if os.geteuid() != 0:
        yield
        return
    try:
        libc, header, data = _capabilities()
    except (OSError, AttributeError) as exc:
        pytest.skip(f"running as root and capabilities cannot be read ({exc})")
    saved = data[0].effective
    data[0].effective &= ~((1 << _DAC_OVERRIDE) | (1 << _DAC_READ_SEARCH))
    if libc.capset(ctypes.byref(header), data) != 0:
        pytest.skip(f"running as root and CAP_DAC_OVERRIDE cannot be lowered (errno {ctypes.get_errno()})")
    thread = threading.get_ident()
    try:
        yield
    finally:
        assert threading.get_ident() == thread
        data[0].effective = saved
        if libc.capset(ctypes.byref(_Header(_VERSION_3, 0)), data) != 0:
            raise OSError(ctypes.get_errno(), "capset: could not raise the capabilities again")


def cannot_write(folder: os.PathLike[str]) -> bool:
    """Whether this thread is now refused writing into ``folder`` (the premise of a read-only test)."""
    probe = os.path.join(folder, ".write-probe")
    try:
        with open(probe, "w"):
            pass
    except OSError:
        return True
    os.unlink(probe)
    return False
