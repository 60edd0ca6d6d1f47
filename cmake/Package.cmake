# SPDX-License-Identifier: LGPL-2.1-or-later
# What `cmake --install` adds beyond the targets' own rules, and the Debian
# package (`cpack -G DEB` in the build tree):
#   <libdir>/cmake/fer/         find_package(fer CONFIG): fer::core, fer::io
#   <libdir>/pkgconfig/         fer-core.pc, fer-io.pc, gst-fer-meta.pc
#   <datadir>/gst-fer/models/   the converted models, found by the installed
#                               library wherever the prefix is
# Every path is relative to the prefix, so `--prefix` at install time and a
# package unpacked anywhere (dpkg -x) both work.
include(CMakePackageConfigHelpers)

set(FER_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/fer")
install(EXPORT ferTargets NAMESPACE fer:: DESTINATION "${FER_CMAKE_INSTALL_DIR}")
configure_package_config_file(cmake/package/ferConfig.cmake.in
  "${CMAKE_BINARY_DIR}/package/ferConfig.cmake" INSTALL_DESTINATION "${FER_CMAKE_INSTALL_DIR}")
write_basic_package_version_file("${CMAKE_BINARY_DIR}/package/ferConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_BINARY_DIR}/package/ferConfig.cmake" "${CMAKE_BINARY_DIR}/package/ferConfigVersion.cmake"
  DESTINATION "${FER_CMAKE_INSTALL_DIR}")

file(RELATIVE_PATH FER_PC_TO_PREFIX "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
foreach(pc fer-core fer-io gst-fer-meta)
  configure_file(cmake/package/${pc}.pc.in "${CMAKE_BINARY_DIR}/package/${pc}.pc" @ONLY)
  install(FILES "${CMAKE_BINARY_DIR}/package/${pc}.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
endforeach()

# The models the build converted (not the TFLite downloads they came from).
install(DIRECTORY "${FER_BUILD_MODEL_DIR}/" DESTINATION "${CMAKE_INSTALL_DATADIR}/gst-fer/models"
  PATTERN "tflite" EXCLUDE)

# Debian package: gst-fer_<version>_<arch>.deb, installed under /usr (the
# plugin in GStreamer's system plugin folder). Depends come from the
# binaries (dpkg-shlibdeps); the Recommends are what the README's pipelines
# use besides the plugin.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME gst-fer)
set(CPACK_PACKAGE_VENDOR "gst-fer")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "facial emotion analytics for GStreamer pipelines")
set(CPACK_PACKAGE_DESCRIPTION "GStreamer elements (livesource, facelandmarks, waveletencode,
emotionclassify, overlay, facemetapublish) that find and track faces, compute
478 landmarks, head pose, blendshapes and emotion per face, and publish them
as JSON lines or MQTT; the engine as a C++ library with CMake and pkg-config
files; the tools fer-extract, fer-eval, fer-train and fer-rtsp-server; the
converted models.")
set(CPACK_RESOURCE_FILE_LICENSE "${CMAKE_SOURCE_DIR}/LICENSE")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "gst-fer developers <gst-fer@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "gstreamer1.0-plugins-base (>= 1.22)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gstreamer1.0-plugins-good, gstreamer1.0-libav, gstreamer1.0-tools")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3-torch, python3-sklearn, python3-matplotlib, mosquitto")
include(CPack)
