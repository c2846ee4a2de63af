# QUEUEMON_SANITIZE applies to every target of the build tree, tests and dependencies alike, so
# that instrumented and uninstrumented code never mix inside one binary.
if(QUEUEMON_SANITIZE)
  # Line tables are all a sanitizer report needs (file:line in every frame); full debug info made
  # these trees' builds 13 % (clang) to 40 % (g++, with -O1) slower.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    set(_flags -fsanitize=${QUEUEMON_SANITIZE} -fno-omit-frame-pointer -gline-tables-only)
  else()
    set(_flags -fsanitize=${QUEUEMON_SANITIZE} -fno-omit-frame-pointer -g1)
  endif()
  # GCC warns (-Wtsan) that TSan cannot see std::atomic_thread_fence, which Asio's
  # std_fenced_block uses; under QUEUEMON_WERROR that warning would fail every Asio TU.
  # At -O1 (the TSan tree), GCC 12 also inlines Asio's awaitable frame allocation differently and
  # reports aligned_alloc freed by the frame's operator delete as -Wmismatched-new-delete; Asio
  # pairs them correctly (its aligned_delete calls free), and -O2 builds do not warn.
  if(QUEUEMON_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND _flags -Wno-tsan -Wno-mismatched-new-delete)
  endif()
  if(QUEUEMON_SANITIZE MATCHES "undefined")
    list(APPEND _flags -fno-sanitize-recover=undefined)
    # clang 14 cannot emit coroutine TUs with UBSan's `function` check ("Cannot represent a
    # difference across sections"); every other UBSan check stays on.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
      list(APPEND _flags -fno-sanitize=function)
    endif()
  endif()
  add_compile_options(${_flags})
  add_link_options(-fsanitize=${QUEUEMON_SANITIZE})
endif()
