# Run at build time by BuildInfo.cmake: writes OUTPUT from TEMPLATE with the commit and the
# dirty flag of SOURCE_DIR's git checkout.
set(CLMNIST_COMMIT "unknown")
set(CLMNIST_DIRTY "false")
if(GIT_EXECUTABLE)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse --short=7 HEAD
                  OUTPUT_VARIABLE commit RESULT_VARIABLE rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(rc EQUAL 0 AND commit)
    set(CLMNIST_COMMIT ${commit})
    # Local changes to tracked files (untracked files, such as a build tree, do not count).
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} status --porcelain --untracked-files=no
                    OUTPUT_VARIABLE changes RESULT_VARIABLE rc ERROR_QUIET)
    if(rc EQUAL 0 AND NOT changes STREQUAL "")
      set(CLMNIST_DIRTY "true")
    endif()
  endif()
endif()
set(CLMNIST_VERSION ${VERSION})
configure_file(${TEMPLATE} ${OUTPUT} @ONLY)
