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
