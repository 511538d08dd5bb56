# Installs packaging/systemd/* (run by `cmake --install`, after the
# variables set in CMakeLists.txt): ExecStart names the installed binary.
file(GLOB units "${TIDEMARK_UNIT_SOURCE_DIR}/*.service" "${TIDEMARK_UNIT_SOURCE_DIR}/*.timer")
file(MAKE_DIRECTORY "${TIDEMARK_UNIT_BUILD_DIR}")
set(out)
foreach(unit ${units})
  get_filename_component(name "${unit}" NAME)
  file(READ "${unit}" text)
  string(REPLACE "/usr/bin/tidemark" "${CMAKE_INSTALL_PREFIX}/${TIDEMARK_BIN_DIR}/tidemark" text "${text}")
  file(WRITE "${TIDEMARK_UNIT_BUILD_DIR}/${name}" "${text}")
  list(APPEND out "${TIDEMARK_UNIT_BUILD_DIR}/${name}")
endforeach()
file(INSTALL ${out} DESTINATION "${CMAKE_INSTALL_PREFIX}/${TIDEMARK_UNIT_DIR}"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
