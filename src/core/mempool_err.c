/* SPDX-License-Identifier: Apache-2.0 */
/* Names of the library's error codes. */
#include "modesp/mempool_err.h"

const char *modesp_err_to_name(esp_err_t err)
{
    switch (err) {
    case ESP_OK:
        return "ESP_OK";
    case ESP_FAIL:
        return "ESP_FAIL";
    case ESP_ERR_NO_MEM:
        return "ESP_ERR_NO_MEM";
    case ESP_ERR_INVALID_ARG:
        return "ESP_ERR_INVALID_ARG";
    case ESP_ERR_INVALID_STATE:
        return "ESP_ERR_INVALID_STATE";
    case ESP_ERR_INVALID_SIZE:
        return "ESP_ERR_INVALID_SIZE";
    case ESP_ERR_NOT_FOUND:
        return "ESP_ERR_NOT_FOUND";
    case ESP_ERR_NOT_SUPPORTED:
        return "ESP_ERR_NOT_SUPPORTED";
    case ESP_ERR_TIMEOUT:
        return "ESP_ERR_TIMEOUT";
    case MODESP_ERR_ZERO_SIZE:
        return "MODESP_ERR_ZERO_SIZE";
    case MODESP_ERR_FOREIGN_PTR:
        return "MODESP_ERR_FOREIGN_PTR";
    case MODESP_ERR_MISALIGNED_PTR:
        return "MODESP_ERR_MISALIGNED_PTR";
    case MODESP_ERR_DOUBLE_FREE:
        return "MODESP_ERR_DOUBLE_FREE";
    case MODESP_ERR_SIZE_MISMATCH:
        return "MODESP_ERR_SIZE_MISMATCH";
    case MODESP_ERR_BAD_POOL:
        return "MODESP_ERR_BAD_POOL";
    case MODESP_ERR_CORRUPTED:
        return "MODESP_ERR_CORRUPTED";
    case MODESP_ERR_USE_AFTER_FREE:
        return "MODESP_ERR_USE_AFTER_FREE";
    case MODESP_ERR_FULL:
        return "MODESP_ERR_FULL";
    case MODESP_ERR_MANAGED_POOL:
        return "MODESP_ERR_MANAGED_POOL";
    case MODESP_ERR_ALREADY_REGISTERED:
        return "MODESP_ERR_ALREADY_REGISTERED";
    case MODESP_ERR_QUOTA:
        return "MODESP_ERR_QUOTA";
    case MODESP_ERR_BAD_TOPIC:
        return "MODESP_ERR_BAD_TOPIC";
    case MODESP_ERR_BAD_PATTERN:
        return "MODESP_ERR_BAD_PATTERN";
    case MODESP_ERR_TOO_MANY_FIELDS:
        return "MODESP_ERR_TOO_MANY_FIELDS";
    case MODESP_ERR_BAD_FIELD:
        return "MODESP_ERR_BAD_FIELD";
    case MODESP_ERR_EVENT_TOO_LARGE:
        return "MODESP_ERR_EVENT_TOO_LARGE";
    case MODESP_ERR_QUEUE_FULL:
        return "MODESP_ERR_QUEUE_FULL";
    case MODESP_ERR_SUBSCRIBER_FULL:
        return "MODESP_ERR_SUBSCRIBER_FULL";
    case MODESP_ERR_FILTERED:
        return "MODESP_ERR_FILTERED";
    case MODESP_ERR_WRONG_TYPE:
        return "MODESP_ERR_WRONG_TYPE";
    default:
        return "UNKNOWN_ERROR";
    }
}
