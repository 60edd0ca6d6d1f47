# SPDX-License-Identifier: LGPL-2.1-or-later
# Sanitizer and fuzzing builds (tests/sanitize.sh makes one in
# build-sanitize/ with clang). Everything compiled in such a build carries
# the instrumentation, so a report points into the project's own code.
option(FER_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(FER_FUZZ "Build the libFuzzer targets in tests/fuzz (clang; implies FER_SANITIZE)" OFF)

if(FER_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "FER_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  set(FER_SANITIZE ON)
  # Coverage feedback for the fuzzers from the code under test.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(FER_SANITIZE)
  # UB aborts instead of printing and going on, so it fails the test.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
