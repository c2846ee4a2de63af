# QUEUEMON_SANITIZE applies to every target of the build tree, tests and dependencies alike, so
# that instrumented and uninstrumented code never mix inside one binary.
if(QUEUEMON_SANITIZE)
  set(_flags -fsanitize=${QUEUEMON_SANITIZE} -fno-omit-frame-pointer -g)
  if(QUEUEMON_SANITIZE MATCHES "undefined")
    list(APPEND _flags -fno-sanitize-recover=undefined)
  endif()
  add_compile_options(${_flags})
  add_link_options(-fsanitize=${QUEUEMON_SANITIZE})
endif()
