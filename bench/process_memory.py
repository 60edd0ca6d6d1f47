# SPDX-License-Identifier: LGPL-2.1-or-later
"""This process's memory, as the soak and the reconnection probe sample it.

rss_kib(): VmRSS. heap_in_use_kib(): what malloc has handed out and not had
back (mallinfo2 uordblks + hblkhd; all arenas, mmap'd chunks): what a leak
grows. heap_free_kib(): freed memory malloc still holds in its arenas
(fordblks): what RSS carries beyond the heap in use.
"""
import ctypes


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost")]


_libc = ctypes.CDLL("libc.so.6")
_libc.mallinfo2.restype = _MallInfo2


def heap_in_use_kib():
    info = _libc.mallinfo2()
    return (info.uordblks + info.hblkhd) // 1024


def heap_free_kib():
    return _libc.mallinfo2().fordblks // 1024


def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1
