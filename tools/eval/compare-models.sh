#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The emotion configurations compared on the project's labelled evaluation
# set (docs/evaluation.md): every built-in appearance model alone, their
# ensemble, and a few crop margins, each run by fer-eval over the labelled
# frame ranges and the labelled stills. Prints one Markdown table with the
# figures the default is chosen by, and keeps every report.
#
#   tools/eval/compare-models.sh [OUT_DIR]     (default: build/eval-compare)
#
# Environment: BUILD_DIR (default: build). Needs a build (tools/setup.sh
# --tests lays out build/eval-set).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$top/build}
out=${1:-$build/eval-compare}
set_dir=$build/eval-set
[ -f "$set_dir/videos.csv" ] || { echo "compare-models: no $set_dir/videos.csv: run tools/setup.sh --tests" >&2; exit 1; }
mkdir -p "$out"

# name|fer-eval options
configs=(
  "minixception-fer2013|--model minixception-fer2013"
  "faceapi-expression|--model faceapi-expression"
  "ensemble|--model ensemble"
  "ensemble, crop margin 0|--model ensemble --crop-margin 0"
  "ensemble, crop margin 0.25|--model ensemble --crop-margin 0.25"
  "ensemble, crop margin 0.4|--model ensemble --crop-margin 0.4"
  "minixception-fer2013, crop margin 0.4|--model minixception-fer2013 --crop-margin 0.4"
  "ensemble, min-confidence 0.5|--model ensemble --min-confidence 0.5"
)
for i in "${!configs[@]}"; do
  name=${configs[$i]%%|*}
  read -r -a opts <<< "${configs[$i]#*|}"
  for part in videos stills; do
    echo "compare-models: $name: $part" >&2
    "$build/bin/fer-eval" "$set_dir/$part.csv" --out "$out/$i-$part" --force "${opts[@]}" 2>"$out/$i-$part.log" ||
      { cat "$out/$i-$part.log" >&2; exit 1; }
  done
  echo "$i|$name|fer-eval SET/{videos,stills}.csv --out DIR ${opts[*]}"
done > "$out/configs.txt"

/usr/bin/python3 - "$out" <<'PY'
import csv, json, os, sys
out = sys.argv[1]
NEG = ("angry", "disgust", "fear", "sad")
print("| configuration | frames UAR | frames WAR | neutral frames read neutral or unknown | "
      "… of cap12/cap13 | neutral read as a negative emotion | happy recall | unknown | "
      "ranges UAR | stills UAR | mean of frames and stills UAR |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for line in open(os.path.join(out, "configs.txt")):
    i, name, _ = line.rstrip("\n").split("|", 2)
    v = json.load(open(os.path.join(out, f"{i}-videos", "metrics.json")))
    s = json.load(open(os.path.join(out, f"{i}-stills", "metrics.json")))
    f = v["frames"]
    L = f["confusion"]["labels"]
    M = f["confusion"]["matrix"]
    neu, hap = M[L.index("neutral")], M[L.index("happy")]
    total = sum(map(sum, M))
    ok = neu[L.index("neutral")] + neu[L.index("unknown")]
    neg = sum(neu[L.index(c)] for c in NEG)
    rows = list(csv.DictReader(open(os.path.join(out, f"{i}-videos", "frame_predictions.csv"))))
    webcam = [r for r in rows if "cap1" in r["item"] and r["true"] == "neutral"]
    webcam_ok = sum(r["predicted"] in ("neutral", "unknown") for r in webcam)
    pct = lambda a, b: f"{100.0 * a / b:.1f} %" if b else "–"
    print(f"| {name} | {f['uar']:.4f} | {f['war']:.4f} | {pct(ok, sum(neu))} | {pct(webcam_ok, len(webcam))} | "
          f"{pct(neg, sum(neu))} | {pct(hap[L.index('happy')], sum(hap))} | {pct(f['unknown'], total)} | "
          f"{v['uar']:.4f} | {s['uar']:.4f} | {(f['uar'] + s['uar']) / 2:.4f} |")
PY
