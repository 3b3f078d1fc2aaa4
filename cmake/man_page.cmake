# Run at build time: the man page clmnist.1 from the program's own texts. help2man turns
# `clmnist --help` and `--version` into the page; a COMMANDS section adds every command's
# --help, the commands read from the top-level help, so the page cannot drift from the program.
# The part every command's --help ends with (environment, config file format, exit status) is
# given once, as the page's ENVIRONMENT, FILES and EXIT STATUS sections, not after each command.
execute_process(COMMAND ${CLMNIST} --help OUTPUT_VARIABLE top RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "clmnist --help failed (${rc}); cannot make the man page")
endif()
string(REGEX MATCH "Commands:\n(  [a-z]+ [^\n]*\n)+" block "${top}")
string(REGEX MATCHALL "\n  [a-z]+ " names "${block}")

# roff: a backslash is written as \e, and a line starting with . or ' would be a request.
function(roff_text text out)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "\n([.'])" "\n\\\\&\\1" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

set(include_text "[COMMANDS]\n")
set(epilogue "")
foreach(n IN LISTS names)
  string(STRIP "${n}" command)
  execute_process(COMMAND ${CLMNIST} ${command} --help OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "clmnist ${command} --help failed (${rc})")
  endif()
  string(FIND "${text}" "\nEnvironment:\n" at)
  if(at GREATER -1)
    math(EXPR from "${at} + 1")
    string(SUBSTRING "${text}" ${from} -1 epilogue)
    string(SUBSTRING "${text}" 0 ${from} text)
  endif()
  roff_text("${text}" text)
  string(APPEND include_text ".SS ${command}\n.nf\n${text}.fi\n")
endforeach()
# The epilogue's three parts as sections of their own.
foreach(part "Environment:ENVIRONMENT" "Config file format:FILES" "Exit status:EXIT STATUS")
  string(REPLACE ":" ";" part "${part}")
  list(GET part 0 heading)
  list(GET part 1 section)
  string(REGEX MATCH "${heading}:\n[^\n]*(\n  [^\n]*)*" body "${epilogue}")
  string(REPLACE "${heading}:\n" "" body "${body}")
  if(body STREQUAL "")
    message(FATAL_ERROR "no '${heading}' in the commands' --help; cannot make the man page")
  endif()
  if(section STREQUAL "FILES")
    set(body "The config file (--config FILE, else $CLMNIST_CONFIG):\n${body}")
  endif()
  roff_text("${body}" body)
  string(APPEND include_text "[${section}]\n.nf\n${body}\n.fi\n")
endforeach()
file(WRITE ${OUTPUT}.include "${include_text}")
execute_process(COMMAND ${HELP2MAN} --no-info --section=1
                        "--name=the Theano tutorials' models on MNIST on any OpenCL device"
                        --include=${OUTPUT}.include --output=${OUTPUT} ${CLMNIST}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man failed (${rc})")
endif()
