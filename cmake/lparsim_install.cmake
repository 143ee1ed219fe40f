# lparsim_install.cmake - `cmake --install` rules for embedding lparsim:
#   bin/        lparsim, lparsim-sc
#   lib/        liblparsim_<layer>.a for every layer lparsim_layer() declared
#               (a new layer is picked up without editing this file), and
#               liblparsim_systemc.a
#   include/lparsim/  the public headers of sim/, same layout, so
#               -I<prefix>/include/lparsim makes "machine/machine.h" and
#               "systemc/dram_target.hpp" work; taken by pattern, so headers
#               of a new sim/hyp/<feature>/ folder are installed too
#   lib/cmake/lparsim/  the CMake package: find_package(lparsim) gives
#               lparsim::<layer> and lparsim::systemc with their dependencies
#   lib/pkgconfig/  lparsim.pc (the C libraries) and lparsim-systemc.pc
# Internal headers are not installed: *_int.h, *_priv.h, *_internal.h and
# dram_apply.h (they describe private structures; no installed header
# includes one, which the install test checks by compiling each installed
# header alone). Neither are the sim/cli headers (the CLI is no library).
include(CMakePackageConfigHelpers)

set(LPARSIM_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/lparsim)
get_property(lparsim_layers GLOBAL PROPERTY LPARSIM_LAYERS)
set_target_properties(lparsim_systemc PROPERTIES EXPORT_NAME systemc)

install(TARGETS ${lparsim_layers} lparsim_systemc EXPORT lparsim-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS lparsim lparsim-sc RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(DIRECTORY ${CMAKE_SOURCE_DIR}/sim/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/lparsim
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp"
  PATTERN "*_int.h" EXCLUDE PATTERN "*_priv.h" EXCLUDE PATTERN "*_internal.h" EXCLUDE
  PATTERN "dram_apply.h" EXCLUDE
  PATTERN "cli" EXCLUDE PATTERN "examples" EXCLUDE)

install(EXPORT lparsim-targets NAMESPACE lparsim:: DESTINATION ${LPARSIM_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/lparsim-config.cmake.in
  ${CMAKE_BINARY_DIR}/lparsim-config.cmake INSTALL_DESTINATION ${LPARSIM_CMAKEDIR})
# 0.x: a minor version may break the API
write_basic_package_version_file(${CMAKE_BINARY_DIR}/lparsim-config-version.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/lparsim-config.cmake
  ${CMAKE_BINARY_DIR}/lparsim-config-version.cmake DESTINATION ${LPARSIM_CMAKEDIR})

# pkg-config: static libraries only, so a link needs the dependencies too:
# `pkg-config --static --libs lparsim`. Libs lists the layers top-down (the
# order the linker needs them), from the same LPARSIM_LAYERS list.
set(LPARSIM_PC_LIBS "")
list(REVERSE lparsim_layers)
foreach(t IN LISTS lparsim_layers)
  get_target_property(type ${t} TYPE)
  if(type STREQUAL "STATIC_LIBRARY")
    string(APPEND LPARSIM_PC_LIBS " -l${t}")
  endif()
endforeach()
set(LPARSIM_PC_SANITIZE "")
if(LPARSIM_SANITIZE)
  set(LPARSIM_PC_SANITIZE " -fsanitize=address,undefined")
endif()
set(pcdir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
# prefix relative to the .pc file, so the installed tree can be moved
file(RELATIVE_PATH LPARSIM_PC_UP /lparsim-root/${pcdir} /lparsim-root)
string(REGEX REPLACE "/$" "" LPARSIM_PC_UP "${LPARSIM_PC_UP}")
foreach(d LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${d}}")
    set(LPARSIM_PC_${d} "${CMAKE_INSTALL_${d}}")
  else()
    set(LPARSIM_PC_${d} "\${prefix}/${CMAKE_INSTALL_${d}}")
  endif()
endforeach()
foreach(pc lparsim lparsim-systemc)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/${pc}.pc.in ${CMAKE_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/${pc}.pc DESTINATION ${pcdir})
endforeach()
