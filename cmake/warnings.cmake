# queuemon::warnings: the warning set every queuemon target compiles with.
add_library(queuemon_warnings INTERFACE)
target_compile_options(queuemon_warnings INTERFACE -Wall -Wextra -Wpedantic)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # Lock discipline is an error in every clang build, with or without QUEUEMON_WERROR: the
  # asan tree of ./test.sh builds every library this way.
  target_compile_options(queuemon_warnings INTERFACE -Wthread-safety -Werror=thread-safety)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # GCC 12 reports impossible overlaps for ordinary `std::string + ...` chains at -O2/-O3
  # (GCC bug 105651, fixed in 13); code was contorted around it more than once. Keep the
  # warning visible but never fatal there.
  target_compile_options(queuemon_warnings INTERFACE -Wno-error=restrict)
endif()
if(QUEUEMON_WERROR)
  target_compile_options(queuemon_warnings INTERFACE -Werror)
endif()
add_library(queuemon::warnings ALIAS queuemon_warnings)
