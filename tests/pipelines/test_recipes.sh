#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The recipes in pipelines/ run as documented, on real inputs: franck.mp4
# played live and served over RTSP by fer-rtsp-server on a free loopback
# port (stopped by PID), GStreamer's live test source. One case per run:
#   test_recipes.sh help|webcam-test-source|webcam-file|multi-stream|rtsp-camera|analytics-only
# Needs BUILD_DIR (a finished build) and FER_TEST_MEDIA_DIR; every run is
# bounded by --duration and timeout.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
export FER_SKIP_SETUP=1 BUILD_DIR=${BUILD_DIR:?} FER_MODEL_DIR=
franck=${FER_TEST_MEDIA_DIR:?}/franck.mp4
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# A TCP port nothing listens on.
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Serves franck.mp4 at rtsp://127.0.0.1:$1/cam; waits (10 s at most) until
# the port accepts connections.
serve_franck() {
  "$BUILD_DIR/bin/fer-rtsp-server" --port "$1" --mount \
    "cam=( filesrc location=$franck ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )" \
    > "$work/server-$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  fail "fer-rtsp-server did not listen on port $1: $(cat "$work/server-$1.log")"
}

# Runs /usr/bin/python3 on the JSON lines file $1 with the check in $2
# (lines: all parsed lines; frames: the frame lines).
check_json() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
frames = [l for l in lines if "frame" in l]
exec(sys.argv[2])
PY
}

case ${1:?case} in
  help)
    for recipe in main-job rtsp-camera webcam multi-stream analytics-only; do
      out=$("$top/pipelines/$recipe.sh" --help)
      [ "$(echo "$out" | wc -l)" -ge 5 ] || fail "$recipe --help is too short: $out"
      echo "$out" | grep -q -- "--\|INPUT" || fail "$recipe --help lists no options"
    done
    "$top/pipelines/multi-stream.sh" --bogus >/dev/null 2>&1 && fail "an unknown option must fail"
    "$top/pipelines/analytics-only.sh" "$work/missing.mp4" 2>"$work/err" && fail "a missing input must fail"
    grep -q "missing.mp4" "$work/err" || fail "the error must name the missing file: $(cat "$work/err")"
    touch "$work/exists.jsonl"
    "$top/pipelines/analytics-only.sh" --out "$work/exists.jsonl" "$franck" 2>"$work/err" &&
      fail "an existing --out must not be replaced without --force"
    grep -q "exists" "$work/err" || fail "the error must say the file exists: $(cat "$work/err")"
    ;;

  webcam-test-source)
    # The webcam pipeline body, fed by GStreamer's live test source.
    "$top/pipelines/webcam.sh" --source test --display none --out "$work/w.jsonl" --duration 4 > "$work/log" 2>&1 ||
      fail "webcam.sh --source test failed: $(cat "$work/log")"
    check_json "$work/w.jsonl" '
assert len(frames) >= 30, f"{len(frames)} frames in 4 s of 30 fps"
assert all(f["width"] == 640 and f["height"] == 480 and f["faces"] == [] for f in frames)
pts = [f["pts"] for f in frames]
assert pts == sorted(pts)
'
    ;;

  webcam-file)
    # The same body from franck.mp4 played at its frame rate, as a webcam.
    "$top/pipelines/webcam.sh" --source "$franck" --display none --out "$work/w.jsonl" --duration 5 > "$work/log" 2>&1 ||
      fail "webcam.sh --source FILE failed: $(cat "$work/log")"
    grep -q "^webcam: connected, frames in" "$work/log" || fail "no progress line: $(cat "$work/log")"
    check_json "$work/w.jsonl" '
n = len(frames)
received = n + frames[-1]["dropped"]  # late frames are dropped, and counted
assert 70 <= received <= 130 and n >= 24, f"{n} analysed + {received - n} dropped in 5 s of 24 fps"
assert all(f["source"] == "webcam" for f in frames)
faces = [f for f in frames if len(f["faces"]) == 1]
assert len(faces) >= 0.9 * n, f"{len(faces)} of {n} frames with franck"
assert all("emotion" in f["faces"][0] for f in faces)
'
    ;;

  multi-stream)
    # Four streams in one process: two RTSP cameras and two files played
    # live; one JSON lines stream, track ids per source.
    port=$(free_port)
    serve_franck "$port"
    "$top/pipelines/multi-stream.sh" --out "$work/m.jsonl" --duration 8 --pace \
      "rtsp://127.0.0.1:$port/cam" "rtsp://127.0.0.1:$port/cam" "$franck" "$franck" > "$work/log" 2>&1 ||
      fail "multi-stream.sh failed: $(cat "$work/log")"
    for cam in cam0 cam1 cam2 cam3; do
      grep -q "^$cam: .* frames written" "$work/log" || fail "no final stats for $cam: $(cat "$work/log")"
    done
    check_json "$work/m.jsonl" '
import collections
by = collections.defaultdict(list)
for f in frames:
    by[f["source"]].append(f)
assert sorted(by) == ["cam0", "cam1", "cam2", "cam3"], sorted(by)
for name, fs in by.items():
    assert len(fs) >= 48, f"{name}: {len(fs)} frames"
    assert [f["frame"] for f in fs] == list(range(len(fs))), f"{name}: frame numbers"
    assert [f["dropped"] for f in fs] == sorted(f["dropped"] for f in fs), f"{name}: dropped decreases"
    ids = {face["id"] for f in fs for face in f["faces"]}
    assert ids and min(ids) == 0, f"{name}: track ids {ids} must start at 0 per source"
    # A second client of the shared RTSP media joins mid-GOP: the decoder
    # conceals until the next keyframe, so judge the second half.
    half = fs[len(fs) // 2:]
    with_face = sum(1 for f in half if len(f["faces"]) == 1)
    assert with_face >= 0.9 * len(half), f"{name}: {with_face} of the last {len(half)} frames with a face"
'
    ;;

  rtsp-camera)
    # Camera -> JSON lines, overlay re-served over RTSP and watched by a
    # viewer that decodes frames from it.
    port=$(free_port) serve=$(free_port)
    serve_franck "$port"
    "$top/pipelines/rtsp-camera.sh" --out "$work/c.jsonl" --serve-port "$serve" --duration 12 \
      "rtsp://127.0.0.1:$port/cam" > "$work/log" 2>&1 &
    recipe=$!
    sleep 4
    timeout 6 gst-launch-1.0 -q rtspsrc location="rtsp://127.0.0.1:$serve/overlay" latency=100 ! \
      rtph264depay ! avdec_h264 ! videoconvert ! video/x-raw,format=RGB ! \
      multifilesink location="$work/view-%05d.rgb" max-files=3 > "$work/viewer.log" 2>&1 || true
    wait "$recipe" || fail "rtsp-camera.sh failed: $(cat "$work/log")"
    views=$(ls "$work"/view-*.rgb 2>/dev/null | wc -l)
    [ "$views" -ge 1 ] || fail "the viewer got no frame from the re-served overlay: $(cat "$work/viewer.log" "$work/log")"
    # 360x288 RGB frames: the overlay draws the box in cyan-ish colours over franck.
    size=$(stat -c %s "$(ls "$work"/view-*.rgb | tail -1)")
    [ "$size" -eq $((360 * 288 * 3)) ] || fail "re-served frame is $size bytes, expected 360x288 RGB"
    check_json "$work/c.jsonl" '
received = len(frames) + frames[-1]["dropped"]
assert received >= 150 and len(frames) >= 48, f"{len(frames)} analysed of {received} in ~10 s of 24 fps"
assert all(f["source"] == "camera" for f in frames)
assert sum(1 for f in frames if len(f["faces"]) == 1) >= 0.9 * len(frames)
'
    ;;

  analytics-only)
    "$top/pipelines/analytics-only.sh" --out "$work/a.jsonl" --name clip \
      "$FER_TEST_MEDIA_DIR/cap13_edit2.mp4" > "$work/log" 2>&1 || fail "analytics-only.sh failed: $(cat "$work/log")"
    check_json "$work/a.jsonl" '
assert len(frames) == 765, f"{len(frames)} of 765 frames"
assert all(f["source"] == "clip" and f["dropped"] == 0 for f in frames)
'
    ;;

  *) fail "unknown case $1" ;;
esac
echo "PASS: $1"
