# cmake --install: the clmnist command, the runtime and model libraries with their public
# headers, and an exported package: find_package(clmnist) gives clmnist::runtime and clmnist::model.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(clmnist_libs clmnist_runtime clmnist_model)
if(CLMNIST_WITH_OPENCL)
  list(APPEND clmnist_libs clmnist_kernels)
endif()
install(TARGETS clmnist ${clmnist_libs}
        EXPORT clmnistTargets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(h IN LISTS CLMNIST_RUNTIME_HEADERS)
  install(FILES runtime/${h} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/clmnist)
endforeach()
file(GLOB clmnist_model_headers ${CMAKE_CURRENT_SOURCE_DIR}/model/*.hpp)
install(FILES ${clmnist_model_headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/clmnist)

set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/clmnist)
install(EXPORT clmnistTargets NAMESPACE clmnist:: DESTINATION ${config_dir})
configure_package_config_file(cmake/clmnistConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/clmnistConfig.cmake
                              INSTALL_DESTINATION ${config_dir})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/clmnistConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/clmnistConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/clmnistConfigVersion.cmake
        DESTINATION ${config_dir})

# pkg-config: clmnist.pc beside the CMake package, for builds that do not use CMake.
set(CLMNIST_PC_REQUIRES "libpng zlib nlohmann_json")
set(CLMNIST_PC_CFLAGS "")
set(CLMNIST_PC_KERNELS "")
if(CLMNIST_WITH_OPENCL)
  string(APPEND CLMNIST_PC_REQUIRES " OpenCL clblast")
  set(CLMNIST_PC_CFLAGS "-DCLMNIST_WITH_OPENCL -DCL_TARGET_OPENCL_VERSION=120")
  set(CLMNIST_PC_KERNELS "-lclmnist_kernels")
endif()
set(CMAKE_DL_LIBS_FLAG "")
if(CMAKE_DL_LIBS)
  set(CMAKE_DL_LIBS_FLAG "-l${CMAKE_DL_LIBS}")
endif()
file(RELATIVE_PATH CLMNIST_PC_TO_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
string(REGEX REPLACE "/$" "" CLMNIST_PC_TO_PREFIX "${CLMNIST_PC_TO_PREFIX}")
configure_file(cmake/clmnist.pc.in ${CMAKE_CURRENT_BINARY_DIR}/clmnist.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/clmnist.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Bash and zsh completion, and the man page when help2man is found (the build works without it).
install(FILES completion/clmnist.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME clmnist)
install(FILES completion/_clmnist DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/clmnist)
find_program(HELP2MAN help2man)
if(HELP2MAN)
  set(clmnist_man ${CMAKE_CURRENT_BINARY_DIR}/clmnist.1)
  add_custom_command(
    OUTPUT ${clmnist_man}
    COMMAND ${CMAKE_COMMAND} -DCLMNIST=$<TARGET_FILE:clmnist> -DHELP2MAN=${HELP2MAN}
            -DOUTPUT=${clmnist_man} -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/man_page.cmake
    DEPENDS clmnist ${CMAKE_CURRENT_SOURCE_DIR}/cmake/man_page.cmake
    COMMENT "Generating the man page clmnist.1 with help2man"
    VERBATIM)
  add_custom_target(clmnist_man_page ALL DEPENDS ${clmnist_man})
  set(CLMNIST_MAN_PAGE ${clmnist_man})  # for the test that reads it
  install(FILES ${clmnist_man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  message(STATUS "clmnist.1 man page: help2man ${HELP2MAN}")
else()
  message(STATUS "clmnist.1 man page: not built (help2man not found)")
endif()
