# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writing build outputs so that build systems see stable timestamps."""

import os
import tempfile


def write_if_changed(path, data):
    """Write bytes to path atomically (temporary file + rename); leave the
    file untouched, timestamp included, when its content is already equal."""
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return
    except OSError:
        pass
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".%s-" % os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
