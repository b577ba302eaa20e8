# SPDX-License-Identifier: Apache-2.0
# sdkconfig mistakes are refused, never ignored (run by CTest with -P).
# The integration guide's section-10 lines, inline comments included, are
# accepted; each bad file makes gen_config.py exit non-zero, print
# FILE:LINE: CONFIG_NAME: problem and leave no header behind.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(failures "")

# Runs gen_config.py on ${WORK}/<name>.sdkconfig (written from `content`) with
# the Kconfig `kconfig`; sets rc, err and header (the generated text, or "").
function(generate name kconfig content)
    file(WRITE ${WORK}/${name}.sdkconfig "${content}")
    execute_process(COMMAND ${PYTHON} ${ROOT}/tools/gen_config.py ${kconfig} ${WORK}/${name}/sdkconfig.h
                            ${WORK}/${name}.sdkconfig RESULT_VARIABLE r ERROR_VARIABLE e OUTPUT_QUIET)
    set(h "")
    if(EXISTS ${WORK}/${name}/sdkconfig.h)
        file(READ ${WORK}/${name}/sdkconfig.h h)
    endif()
    set(rc "${r}" PARENT_SCOPE)
    set(err "${e}" PARENT_SCOPE)
    set(header "${h}" PARENT_SCOPE)
endfunction()

# A bad file: gen_config fails, writes no header and prints every `expected` text.
function(expect_refused name kconfig content)
    generate(${name} ${kconfig} "${content}")
    set(f "")
    if(rc EQUAL 0)
        string(APPEND f "${name}: gen_config.py exited 0\n")
    endif()
    if(NOT header STREQUAL "")
        string(APPEND f "${name}: sdkconfig.h was written\n")
    endif()
    foreach(expected ${ARGN})
        string(FIND "${err}" "${expected}" at)
        if(at EQUAL -1)
            string(APPEND f "${name}: no `${expected}` in:\n${err}\n")
        endif()
    endforeach()
    set(failures "${failures}${f}" PARENT_SCOPE)
endfunction()

# The guide's section 10, pasted verbatim (trailing blanks and inline comments).
generate(guide ${ROOT}/Kconfig [=[# For sensor-heavy systems
CONFIG_MEMORY_POOL_SMALL_COUNT=128  # More event objects

# For data logging systems  
CONFIG_MEMORY_POOL_LARGE_COUNT=32   # More data buffers

# For web-heavy systems
CONFIG_MEMORY_POOL_XLARGE_COUNT=16  # More web buffers
]=])
if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
    string(APPEND failures "guide: refused (exit ${rc}):\n${err}\n")
endif()
foreach(line "#define CONFIG_MEMORY_POOL_SMALL_COUNT 128\n" "#define CONFIG_MEMORY_POOL_LARGE_COUNT 32\n"
             "#define CONFIG_MEMORY_POOL_XLARGE_COUNT 16\n" "#define CONFIG_MEMORY_POOL_TINY_COUNT 128\n")
    string(FIND "${header}" "${line}" at)
    if(at EQUAL -1)
        string(APPEND failures "guide: no `${line}` in sdkconfig.h:\n${header}\n")
    endif()
endforeach()

set(K ${ROOT}/Kconfig)
expect_refused(count_zero ${K} "# comment\nCONFIG_MEMORY_POOL_SMALL_COUNT=0\n"
    "count_zero.sdkconfig:2: CONFIG_MEMORY_POOL_SMALL_COUNT: 0 is outside the range 1..65535")
expect_refused(count_65536 ${K} "CONFIG_MEMORY_POOL_XLARGE_COUNT=65536  # too many\n"
    "count_65536.sdkconfig:1: CONFIG_MEMORY_POOL_XLARGE_COUNT: 65536 is outside the range 1..65535")
expect_refused(misspelt ${K} "\nCONFIG_MEMORY_POOL_SMAL_COUNT=128\n"
    "misspelt.sdkconfig:2: CONFIG_MEMORY_POOL_SMAL_COUNT: unknown symbol"
    "did you mean CONFIG_MEMORY_POOL_SMALL_COUNT?")
expect_refused(bad_int ${K} "CONFIG_MEMORY_POOL_TINY_COUNT=12x\n"
    "bad_int.sdkconfig:1: CONFIG_MEMORY_POOL_TINY_COUNT: '12x' is not a valid int value")
expect_refused(bad_bool ${K} "CONFIG_MEMORY_POOL_POISON_FREED=yes\n"
    "bad_bool.sdkconfig:1: CONFIG_MEMORY_POOL_POISON_FREED: 'yes' is not a valid bool value")
expect_refused(duplicate ${K} "CONFIG_MEMORY_POOL_LARGE_COUNT=32\nCONFIG_MEMORY_POOL_LARGE_COUNT=32\n"
    "duplicate.sdkconfig:2: CONFIG_MEMORY_POOL_LARGE_COUNT: already set on line 1")
expect_refused(junk ${K} "CONFIG_MEMORY_POOL_TINY_COUNT=40\nMEMORY_POOL_SMALL_COUNT=128\n"
    "junk.sdkconfig:2: CONFIG_MEMORY_POOL_SMALL_COUNT: write it as CONFIG_MEMORY_POOL_SMALL_COUNT=128")
expect_refused(junk_text ${K} "\n\nthis is junk\n" "junk_text.sdkconfig:3: 'this is junk' is not a setting")
expect_refused(no_effect ${K} "CONFIG_MEMORY_POOL_POISON_PATTERN=0xA5\n"
    "no_effect.sdkconfig:1: CONFIG_MEMORY_POOL_POISON_PATTERN: has no effect: it depends on MEMORY_POOL_POISON_FREED")
# Every problem is reported, not only the first.
expect_refused(several ${K} "CONFIG_MEMORY_POOL_TINY_COUNT=0\nCONFIG_MEMORY_POOL_SMAL_COUNT=1\nfoo bar\n"
    "several.sdkconfig:1: CONFIG_MEMORY_POOL_TINY_COUNT:" "several.sdkconfig:2: CONFIG_MEMORY_POOL_SMAL_COUNT:"
    "several.sdkconfig:3: 'foo bar'" "3 problem(s)")
# Any kconfiglib warning fails too (here: a default outside its range).
file(WRITE ${WORK}/Kconfig.clamped "config FOO\n    int \"foo\"\n    range 1 10\n    default 20\n")
expect_refused(kconfiglib_warning ${WORK}/Kconfig.clamped "# nothing set\n"
    "kconfiglib_warning.sdkconfig: kconfiglib: default value 20 on FOO")

if(failures)
    message(FATAL_ERROR "${failures}")
endif()
message(STATUS "guide lines accepted; every bad sdkconfig refused with FILE:LINE: CONFIG_NAME")
