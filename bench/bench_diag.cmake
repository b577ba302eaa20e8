# SPDX-License-Identifier: Apache-2.0
# bench_diag (bench_diag.c, mk/bench_diag.mk): workload A with the diagnostics layer off, on, tracing and
# quotas. Three copies of the library: the bench's (tracing off), one with tracing, one with tracing and
# per-owner quotas (the class counts of bench/sdkconfig.bench in each). Included by bench/CMakeLists.txt.
add_executable(bench_diag_off bench_diag.c)
target_link_libraries(bench_diag_off PRIVATE modesp_mempool)

foreach(variant tracing quota)
    modesp_config_header(modesp_bench_diag_${variant}_cfg ${CMAKE_CURRENT_BINARY_DIR}/diag_${variant}
                         ${CMAKE_CURRENT_SOURCE_DIR}/diag_${variant}.sdkconfig)
    modesp_add_library(modesp_mempool_diag_${variant} ${CMAKE_CURRENT_BINARY_DIR}/diag_${variant})
    add_dependencies(modesp_mempool_diag_${variant} modesp_bench_diag_${variant}_cfg)
    add_executable(bench_diag_${variant} bench_diag.c)
    target_link_libraries(bench_diag_${variant} PRIVATE modesp_mempool_diag_${variant})
endforeach()

foreach(exe bench_diag_off bench_diag_tracing bench_diag_quota)
    target_compile_options(${exe} PRIVATE ${MODESP_WARNINGS})
    set_target_properties(${exe} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
endforeach()
