#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Extract a byte range [BEGIN, END) from a packed .data file.

MediaPipe's JS solutions ship their models concatenated into one
`*_packed_assets.data` file; the loader script holds the byte ranges.

    extract_packed.py PACKED.data BEGIN END OUTPUT [--sha256 HEX]

The packed file must be at least END bytes long; the output is written
atomically (temporary file + rename) and only rewritten when its content
changes, so build systems see a stable timestamp.
"""

import argparse
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atomic_write import write_if_changed  # noqa: E402


def extract(packed, begin, end, output, sha256=None):
    if begin < 0 or end <= begin:
        raise ValueError("bad byte range [%d, %d)" % (begin, end))
    try:
        size = os.path.getsize(packed)
    except OSError as e:
        raise ValueError("%s: %s" % (packed, e.strerror))
    if size < end:
        raise ValueError("%s: file is %d bytes, range [%d, %d) needs at "
                         "least %d" % (packed, size, begin, end, end))
    with open(packed, "rb") as f:
        f.seek(begin)
        data = f.read(end - begin)
    if len(data) != end - begin:
        raise ValueError("%s: short read (%d of %d bytes)"
                         % (packed, len(data), end - begin))
    if sha256 is not None:
        got = hashlib.sha256(data).hexdigest()
        if got != sha256.lower():
            raise ValueError("%s [%d, %d): sha256 %s, expected %s"
                             % (packed, begin, end, got, sha256))
    write_if_changed(output, data)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("packed", help="packed .data file")
    ap.add_argument("begin", type=int, help="first byte (inclusive)")
    ap.add_argument("end", type=int, help="end byte (exclusive)")
    ap.add_argument("output", help="file to write")
    ap.add_argument("--sha256", help="expected sha256 of the extracted bytes")
    a = ap.parse_args(argv)
    try:
        extract(a.packed, a.begin, a.end, a.output, a.sha256)
    except ValueError as e:
        print("extract_packed.py: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
