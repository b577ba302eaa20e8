# SPDX-License-Identifier: Apache-2.0
# Generates sdkconfig.h twice, with and without an sdkconfig that changes a
# count, and checks the header follows the file (run by CTest with -P).
file(MAKE_DIRECTORY ${WORK})
file(WRITE ${WORK}/sdkconfig "CONFIG_MEMORY_POOL_SMALL_COUNT=77\nCONFIG_MEMORY_POOL_POISON_FREED=y\n")
execute_process(COMMAND ${PYTHON} ${ROOT}/tools/gen_config.py ${ROOT}/Kconfig ${WORK}/changed/sdkconfig.h
                        ${WORK}/sdkconfig RESULT_VARIABLE r1 OUTPUT_QUIET)
execute_process(COMMAND ${PYTHON} ${ROOT}/tools/gen_config.py ${ROOT}/Kconfig ${WORK}/default/sdkconfig.h
                RESULT_VARIABLE r2 OUTPUT_QUIET)
if(r1 OR r2)
    message(FATAL_ERROR "gen_config.py failed")
endif()
file(READ ${WORK}/changed/sdkconfig.h changed)
file(READ ${WORK}/default/sdkconfig.h default)
if(NOT changed MATCHES "#define CONFIG_MEMORY_POOL_SMALL_COUNT 77\n")
    message(FATAL_ERROR "changed SMALL_COUNT did not reach sdkconfig.h:\n${changed}")
endif()
if(NOT changed MATCHES "#define CONFIG_MEMORY_POOL_POISON_FREED 1\n")
    message(FATAL_ERROR "POISON_FREED=y did not reach sdkconfig.h")
endif()
if(NOT default MATCHES "#define CONFIG_MEMORY_POOL_SMALL_COUNT 64\n" OR default MATCHES "POISON_FREED")
    message(FATAL_ERROR "defaults wrong:\n${default}")
endif()
message(STATUS "sdkconfig.h follows the sdkconfig file")
