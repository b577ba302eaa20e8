/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * The few FreeRTOSConfig.h values the generic FreeRTOS port reads. A real
 * application supplies its own FreeRTOSConfig.h.
 */
#ifndef PORT_DECLS_FREERTOS_CONFIG_H
#define PORT_DECLS_FREERTOS_CONFIG_H

#define configTICK_RATE_HZ               1000u
#define configSUPPORT_STATIC_ALLOCATION  1
#define configSUPPORT_DYNAMIC_ALLOCATION 1

#endif
