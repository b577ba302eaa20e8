/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guide's `#include "memory_diagnostics.h"` (see memory_pool.h beside
 * it): forwards to modesp/memory_diagnostics.h, the C API in C, and in C++
 * also ModESP::Memory::MemoryDiagnostics and the RAII TRACK_MEMORY_USAGE.
 */
#ifndef MODESP_GUIDE_MEMORY_DIAGNOSTICS_H
#define MODESP_GUIDE_MEMORY_DIAGNOSTICS_H

#include "modesp/memory_diagnostics.h"

#endif /* MODESP_GUIDE_MEMORY_DIAGNOSTICS_H */
