# clmnist_build_info: the version, the git commit and whether the tree had local changes, for
# `clmnist --version` and for records (bench, tune). The commit is read at every build, not only
# at configure time; the generated source is rewritten only when it changes (no needless
# relinks). Without git or outside a git checkout (a release tarball) the commit is "unknown".
find_package(Git QUIET)
set(clmnist_build_info_cpp ${CMAKE_CURRENT_BINARY_DIR}/generated/build_info.cpp)
add_custom_target(clmnist_build_info_source
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}
          -DGIT_EXECUTABLE=${GIT_EXECUTABLE} -DVERSION=${PROJECT_VERSION}
          -DTEMPLATE=${CMAKE_CURRENT_SOURCE_DIR}/cmake/build_info.cpp.in
          -DOUTPUT=${clmnist_build_info_cpp} -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/build_info_script.cmake
  BYPRODUCTS ${clmnist_build_info_cpp}
  COMMENT "Reading the git commit for clmnist --version"
  VERBATIM)
add_library(clmnist_build_info STATIC ${clmnist_build_info_cpp})
add_dependencies(clmnist_build_info clmnist_build_info_source)
target_include_directories(clmnist_build_info PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/apps)
