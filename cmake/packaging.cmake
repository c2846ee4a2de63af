# Install rules (FHS, as a Debian package lays them out) and CPack's DEB generator.
#   /usr/bin/queuemond
#   /lib/systemd/system/queuemond.service
#   /etc/queuemon/queuemond.json            (dpkg conffile: local edits survive upgrades)
#   /usr/share/doc/queuemon/README.md
# `cmake --install build` uses CMAKE_INSTALL_PREFIX (default /usr here) for the binary and doc;
# the unit and the config always go to /lib/systemd/system and /etc/queuemon (stage with
# DESTDIR=... to install elsewhere). `cpack -G DEB` in the build dir builds the package.
if(NOT TARGET queuemond)
  return()
endif()

if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install prefix" FORCE)
endif()
set(QUEUEMON_SYSTEMD_UNIT_DIR /lib/systemd/system CACHE PATH "Where the systemd unit goes")
set(QUEUEMON_CONFIG_DIR /etc/queuemon CACHE PATH "Where the default config goes")

install(TARGETS queuemond RUNTIME DESTINATION bin)
install(FILES ${PROJECT_SOURCE_DIR}/systemd/queuemond.service
        DESTINATION ${QUEUEMON_SYSTEMD_UNIT_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/systemd/queuemond.json
        DESTINATION ${QUEUEMON_CONFIG_DIR} PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
if(EXISTS ${PROJECT_SOURCE_DIR}/README.md)
  install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/queuemon)
endif()

# dpkg maintainer files: conffiles, and a daemon-reload after install/removal.
set(QUEUEMON_DEB_DIR ${PROJECT_BINARY_DIR}/debian)
file(WRITE ${QUEUEMON_DEB_DIR}/conffiles "${QUEUEMON_CONFIG_DIR}/queuemond.json\n")
foreach(script postinst postrm)
  file(WRITE ${QUEUEMON_DEB_DIR}/${script}
       "#!/bin/sh\nset -e\nif [ -d /run/systemd/system ]; then\n"
       "  systemctl daemon-reload >/dev/null || true\nfi\n")
  file(CHMOD ${QUEUEMON_DEB_DIR}/${script} PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
       GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()

set(CPACK_PACKAGE_NAME queuemon)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "queuemon maintainers <queuemon@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Cached Celery-on-Redis worker and queue status over HTTP (queuemond)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)  # the package is FHS whatever the local prefix
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the binary's shared libraries
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${QUEUEMON_DEB_DIR}/conffiles ${QUEUEMON_DEB_DIR}/postinst ${QUEUEMON_DEB_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
