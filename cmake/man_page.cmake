# Run at build time: the man page clmnist.1 from the program's own texts. help2man turns
# `clmnist --help` and `--version` into the page; a COMMANDS section adds every command's
# --help, the commands read from the top-level help, so the page cannot drift from the program.
execute_process(COMMAND ${CLMNIST} --help OUTPUT_VARIABLE top RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "clmnist --help failed (${rc}); cannot make the man page")
endif()
string(REGEX MATCH "Commands:\n(  [a-z]+ [^\n]*\n)+" block "${top}")
string(REGEX MATCHALL "\n  [a-z]+ " names "${block}")
set(include_text "[COMMANDS]\n")
foreach(n IN LISTS names)
  string(STRIP "${n}" command)
  execute_process(COMMAND ${CLMNIST} ${command} --help OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "clmnist ${command} --help failed (${rc})")
  endif()
  # roff: a backslash is written as \e, and a line starting with . or ' would be a request.
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "\n([.'])" "\n\\\\&\\1" text "${text}")
  string(APPEND include_text ".SS ${command}\n.nf\n${text}.fi\n")
endforeach()
file(WRITE ${OUTPUT}.include "${include_text}")
execute_process(COMMAND ${HELP2MAN} --no-info --section=1
                        "--name=the Theano tutorials' models on MNIST on any OpenCL device"
                        --include=${OUTPUT}.include --output=${OUTPUT} ${CLMNIST}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man failed (${rc})")
endif()
