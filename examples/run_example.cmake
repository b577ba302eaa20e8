# SPDX-License-Identifier: Apache-2.0
# Run one example (cmake -DEXAMPLE=<path> -P run_example.cmake), pass its
# output through, and report a non-zero exit status or a crash in words the
# test's FAIL_REGULAR_EXPRESSION matches (CTest ignores the exit code of a
# test that has a PASS_REGULAR_EXPRESSION).
if(NOT EXAMPLE)
    message(FATAL_ERROR "run_example.cmake: pass -DEXAMPLE=<program>")
endif()
execute_process(COMMAND ${EXAMPLE} RESULT_VARIABLE status)
if(NOT status STREQUAL "0")
    get_filename_component(name ${EXAMPLE} NAME)
    message(FATAL_ERROR "${name} exited with status ${status}")
endif()
