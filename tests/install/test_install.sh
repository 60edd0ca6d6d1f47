#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# gst-fer as others consume it: installed into a temporary prefix (or
# unpacked from its .deb), with no build tree in sight, and the examples
# built and run against that only.
#
#   test_install.sh CASE     (BUILD_DIR, SOURCE_DIR, FER_TEST_MEDIA_DIR in
#                             the environment; ctest sets them)
#
# CASE: prefix     layout, relocation, models from the prefix never the build tree
#       embed-cpp  examples/embed-cpp built out of tree with find_package(fer)
#       pkg-config the same program built with pkg-config fer-io fer-core
#       c-app      examples/c-app: an appsink and <gst/fer/fermeta.h>
#       python     examples/python: PyGObject reading the ROI metas
#       deb        cpack -G DEB: control fields, contents, dpkg -x + gst-inspect,
#                  embed-cpp and c-app against the unpacked files
set -euo pipefail

case_name=${1:?usage: test_install.sh CASE}
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}" "${FER_TEST_MEDIA_DIR:?}"
VIDEO=$FER_TEST_MEDIA_DIR/franck.mp4
HAPPY=$FER_TEST_MEDIA_DIR/franck_04117.jpg
ARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL ($case_name): $*" >&2; exit 1; }

# Only the installed plugin: none of the build tree's, a private registry.
use_plugins_of() {
  export GST_PLUGIN_PATH="$1/lib/$ARCH/gstreamer-1.0"
  export GST_PLUGIN_SYSTEM_PATH=/usr/lib/$ARCH/gstreamer-1.0
  export GST_REGISTRY="$work/registry.bin"
  unset FER_MODEL_DIR
}

install_prefix() {
  cmake --install "$BUILD_DIR" --prefix "$1" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; fail "cmake --install failed"; }
}

# A few frames of the analytics through the installed plugin, as JSON lines.
run_pipeline() {
  gst-launch-1.0 -q filesrc location="$VIDEO" ! qtdemux ! h264parse ! avdec_h264 ! \
    identity eos-after=6 ! videoconvert ! facelandmarks ! emotionclassify ! \
    facemetapublish location="$1" ! fakesink
}

# examples/embed-cpp built out of tree against prefix $1 (CMake, or
# pkg-config with $2 = pkg-config), then run on a still and a video.
check_embed_cpp() {
  local p=$1 how=${2:-cmake} out=$work/embed-$RANDOM
  if [ "$how" = cmake ]; then
    cmake -S "$SOURCE_DIR/examples/embed-cpp" -B "$out" -DCMAKE_PREFIX_PATH="$p" >"$work/build.log" 2>&1 &&
      cmake --build "$out" >>"$work/build.log" 2>&1 ||
      { cat "$work/build.log" >&2; fail "examples/embed-cpp does not build against $p"; }
  else
    mkdir -p "$out"
    # shellcheck disable=SC2046
    PKG_CONFIG_PATH="$p/lib/$ARCH/pkgconfig" g++ -std=c++17 -O1 -o "$out/fer-embed" \
      "$SOURCE_DIR/examples/embed-cpp/main.cpp" \
      $(PKG_CONFIG_PATH="$p/lib/$ARCH/pkgconfig" pkg-config --cflags --libs fer-io fer-core) \
      -lopencv_imgcodecs -lopencv_videoio -Wl,-rpath,"$p/lib/$ARCH" 2>"$work/build.log" ||
      { cat "$work/build.log" >&2; fail "pkg-config fer-io fer-core does not build the example"; }
  fi
  ldd "$out/fer-embed" >"$work/ldd.txt"
  grep -q "$p/lib/$ARCH/libfer-core.so.0" "$work/ldd.txt" || fail "not linked to $p's libfer-core"
  ! grep -q "$BUILD_DIR" "$work/ldd.txt" || fail "linked to the build tree"
  (
    unset FER_MODEL_DIR
    "$out/fer-embed" "$HAPPY" >"$work/still.jsonl" || fail "fer-embed failed on a still"
    grep -q '"emotion":{"label":"happy"' "$work/still.jsonl" ||
      fail "the smiling still is not happy: $(cut -c1-200 "$work/still.jsonl")"
    "$out/fer-embed" "$VIDEO" 10 >"$work/video.jsonl" || fail "fer-embed failed on the video"
    [ "$(grep -c '"faces":\[{"id":0' "$work/video.jsonl")" = 10 ] || fail "not 10 lines with face 0"
    if "$out/fer-embed" "$work/none.mp4" 2>"$work/err.log"; then fail "a missing file did not fail"; fi
    grep -q "none.mp4: no such file" "$work/err.log" || fail "the missing file is not named"
  )
}

# examples/c-app built with pkg-config gst-fer-meta of prefix $1, run with
# that prefix's plugin.
check_c_app() {
  local p=$1
  PKG_CONFIG_PATH="$p/lib/$ARCH/pkgconfig" make -s -C "$SOURCE_DIR/examples/c-app" OUT="$work" >"$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; fail "examples/c-app does not build with pkg-config gst-fer-meta of $p"; }
  (
    use_plugins_of "$p"
    export LD_LIBRARY_PATH="$p/lib/$ARCH"
    "$work/fer-faces" "$VIDEO" 12 >"$work/out.txt" || fail "fer-faces failed: $(tail -3 "$work/out.txt")"
    grep -q "^12 frames, 12 with faces$" "$work/out.txt" || fail "$(tail -1 "$work/out.txt")"
    grep -q "^frame 11 face 0 box \[.*\] landmarks 478 yaw .* \(neutral\|happy\) 0\.[0-9][0-9]$" "$work/out.txt" ||
      fail "no full face line: $(grep '^frame 11' "$work/out.txt")"
    if "$work/fer-faces" "$work/none.mp4" >/dev/null 2>"$work/err.log"; then fail "a missing file did not fail"; fi
    grep -q "none.mp4" "$work/err.log" || fail "the missing file is not named"
  )
}

case $case_name in
prefix)
  p=$work/prefix
  install_prefix "$p"
  for f in "lib/$ARCH/gstreamer-1.0/libgstfer.so" "lib/$ARCH/libfer-core.so.0" "lib/$ARCH/libfer-io.so.0" \
    "lib/$ARCH/libgstfer-meta.so.0" "lib/$ARCH/cmake/fer/ferConfig.cmake" "lib/$ARCH/pkgconfig/fer-core.pc" \
    "lib/$ARCH/pkgconfig/fer-io.pc" "lib/$ARCH/pkgconfig/gst-fer-meta.pc" include/fer/face_analytics.h \
    include/fer/io/json_lines.h include/gstreamer-1.0/gst/fer/fermeta.h share/gst-fer/models/SHA256SUMS \
    share/gst-fer/models/face_landmark_with_attention.part0.onnx bin/fer-extract bin/fer-eval bin/fer-train; do
    [ -e "$p/$f" ] || fail "not installed: $f"
  done
  # Internal headers stay inside the source tree.
  [ ! -e "$p/include/fer/onnx_net.h" ] || fail "an internal header is installed"
  [ ! -e "$p/share/gst-fer/models/tflite" ] || fail "the TFLite downloads are installed"

  use_plugins_of "$p"
  gst-inspect-1.0 facelandmarks >"$work/inspect.txt" || fail "gst-inspect-1.0 facelandmarks failed"
  grep -q "Filename *$p/lib/$ARCH/gstreamer-1.0/libgstfer.so" "$work/inspect.txt" ||
    fail "gst-inspect does not find the installed plugin"
  run_pipeline "$work/a.jsonl" || fail "pipeline on the installed plugin failed"
  [ "$(grep -c '"emotion"' "$work/a.jsonl")" -ge 6 ] || fail "no emotion in $(wc -l <"$work/a.jsonl") lines"

  # Without its models the installed plugin fails naming where it looked:
  # the prefix, never the build tree's models.
  mv "$p/share/gst-fer/models" "$p/share/gst-fer/models.away"
  if gst-launch-1.0 -q filesrc location="$VIDEO" ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! \
    facelandmarks ! fakesink >"$work/missing.log" 2>&1; then
    fail "the installed plugin ran without its models (the build tree's?)"
  fi
  grep -q "searched: $p/share/gst-fer/models;" "$work/missing.log" ||
    { cat "$work/missing.log" >&2; fail "the error does not name the prefix's model folder alone"; }
  mv "$p/share/gst-fer/models.away" "$p/share/gst-fer/models"

  # A moved prefix finds its own models.
  mv "$p" "$work/moved"
  use_plugins_of "$work/moved"
  rm -f "$GST_REGISTRY"
  run_pipeline "$work/b.jsonl" || fail "pipeline after moving the prefix failed"
  cmp -s "$work/a.jsonl" "$work/b.jsonl" || fail "a moved prefix gives other results"
  ;;
embed-cpp)
  install_prefix "$work/prefix"
  check_embed_cpp "$work/prefix" cmake
  ;;
pkg-config)
  install_prefix "$work/prefix"
  check_embed_cpp "$work/prefix" pkg-config
  ;;
c-app)
  install_prefix "$work/prefix"
  check_c_app "$work/prefix"
  ;;
python)
  p=$work/prefix
  install_prefix "$p"
  use_plugins_of "$p"
  /usr/bin/python3 "$SOURCE_DIR/examples/python/read_faces.py" "$VIDEO" --max-frames 12 >"$work/out.txt" ||
    fail "read_faces.py failed: $(tail -3 "$work/out.txt")"
  [ "$(grep -c '^frame [0-9]* pts [0-9.]* s: face 0 \[' "$work/out.txt")" = 12 ] ||
    fail "not 12 frames with face 0: $(head -3 "$work/out.txt")"
  grep -q "face 0 \[.*\] \(neutral\|happy\) 0\.[0-9]*" "$work/out.txt" || fail "no emotion read from the ROI metas"
  if /usr/bin/python3 "$SOURCE_DIR/examples/python/read_faces.py" "$work/none.mp4" >/dev/null 2>&1; then
    fail "a missing file did not fail"
  fi
  ;;
deb)
  (cd "$work" && cpack -G DEB --config "$BUILD_DIR/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" 2>&1) ||
    { cat "$work/cpack.log" >&2; fail "cpack -G DEB failed"; }
  deb=$(ls "$work"/pkg/gst-fer_*_*.deb) || fail "no gst-fer_*.deb"
  field() { dpkg-deb -f "$deb" "$1"; }
  [ "$(field Package)" = gst-fer ] || fail "Package: $(field Package)"
  [ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture: $(field Architecture)"
  for dep in libxnnpack0 libopencv-core406 libopencv-dnn406 libgstreamer1.0-0 libgstreamer-plugins-base1.0-0 \
    libmosquitto1 gstreamer1.0-plugins-base; do
    re="(^|, )$dep( |,|\$)"
    [[ "$(field Depends)" =~ $re ]] || fail "Depends lacks $dep: $(field Depends)"
  done
  dpkg-deb -c "$deb" >"$work/contents"
  for f in "./usr/lib/$ARCH/gstreamer-1.0/libgstfer.so" "./usr/lib/$ARCH/libfer-core.so.0" \
    ./usr/share/gst-fer/models/SHA256SUMS "./usr/lib/$ARCH/cmake/fer/ferConfig.cmake" \
    ./usr/include/fer/face_analytics.h ./usr/bin/fer-extract; do
    grep -q " $f\$" "$work/contents" || grep -q " $f -> " "$work/contents" || fail "the package lacks $f"
  done
  dpkg -x "$deb" "$work/root"
  use_plugins_of "$work/root/usr"
  export GST_PLUGIN_SYSTEM_PATH="$work/root/usr/lib/$ARCH/gstreamer-1.0:/usr/lib/$ARCH/gstreamer-1.0"
  unset GST_PLUGIN_PATH
  gst-inspect-1.0 facelandmarks >"$work/inspect.txt" || fail "gst-inspect-1.0 facelandmarks failed"
  grep -q "Filename *$work/root/usr/lib/$ARCH/gstreamer-1.0/libgstfer.so" "$work/inspect.txt" ||
    fail "gst-inspect does not find the unpacked plugin"
  run_pipeline "$work/a.jsonl" || fail "pipeline on the unpacked package failed"
  [ "$(grep -c '"emotion"' "$work/a.jsonl")" -ge 6 ] || fail "no emotion from the unpacked package"
  # The examples against the package's files alone.
  check_embed_cpp "$work/root/usr" cmake
  check_c_app "$work/root/usr"
  ;;
*)
  fail "unknown case"
  ;;
esac
echo "ok ($case_name)"
