# Turns OpenCL C files into a generated C++ source that holds each one as a string, with
# local #include "x.clh" lines inlined, so the binary carries its kernels and each .cl file still
# compiles on its own (clang -I cl). Regenerated when any .cl or .clh file changes.
set(CLMNIST_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_cl_script.cmake)

function(clmnist_embed_cl target)
  cmake_parse_arguments(ARG "" "" "SOURCES;HEADERS" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/kernel_sources.cpp)
  set(abs_sources)
  foreach(src IN LISTS ARG_SOURCES)
    list(APPEND abs_sources ${CMAKE_CURRENT_SOURCE_DIR}/${src})
  endforeach()
  set(abs_headers)
  foreach(hdr IN LISTS ARG_HEADERS)
    list(APPEND abs_headers ${CMAKE_CURRENT_SOURCE_DIR}/${hdr})
  endforeach()
  string(REPLACE ";" "|" joined "${abs_sources}")
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DSOURCES=${joined} -DOUTPUT=${out}
            -DINCLUDE_DIR=${CMAKE_CURRENT_SOURCE_DIR} -P ${CLMNIST_EMBED_SCRIPT}
    DEPENDS ${abs_sources} ${abs_headers} ${CLMNIST_EMBED_SCRIPT}
    COMMENT "Embedding OpenCL kernels"
    VERBATIM)
  add_library(${target} STATIC ${out})
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}>)
endfunction()
