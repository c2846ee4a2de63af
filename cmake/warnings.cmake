# queuemon::warnings: the warning set every queuemon target compiles with.
add_library(queuemon_warnings INTERFACE)
target_compile_options(queuemon_warnings INTERFACE -Wall -Wextra -Wpedantic)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # Lock discipline is an error in every clang build, with or without QUEUEMON_WERROR: the
  # asan tree of ./test.sh builds every library this way.
  target_compile_options(queuemon_warnings INTERFACE -Wthread-safety -Werror=thread-safety)
endif()
if(QUEUEMON_WERROR)
  target_compile_options(queuemon_warnings INTERFACE -Werror)
endif()
add_library(queuemon::warnings ALIAS queuemon_warnings)
