/* SPDX-License-Identifier: Apache-2.0 */
/* Event bus topics: validation and pattern matching (rule in modesp/pooled_event_bus.h). */
#include <string.h>

#include "bus_private.h"

MODESP_IRAM_ATTR static bool seg_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Valid dotted name; with `wild`, a segment may be exactly "*". */
MODESP_IRAM_ATTR static bool valid_name(const char *s, bool wild)
{
    size_t len = 0;
    size_t seg = 0;    /* length of the current segment */
    bool star = false; /* the current segment has a '*' */
    for (const char *p = s; *p != '\0'; p++) {
        if (++len > (size_t)CONFIG_EVENT_BUS_MAX_TOPIC_LEN) {
            return false;
        }
        if (*p == '.') {
            if (seg == 0u || (star && seg != 1u)) {
                return false;
            }
            seg = 0u;
            star = false;
        } else if (*p == '*' && wild) {
            star = true;
            seg++;
        } else if (seg_char(*p)) {
            seg++;
        } else {
            return false;
        }
    }
    return seg != 0u && (!star || seg == 1u);
}

MODESP_IRAM_ATTR esp_err_t modesp_bus_topic_validate(const char *topic)
{
    return (topic != NULL && valid_name(topic, false)) ? ESP_OK : MODESP_ERR_BAD_TOPIC;
}

esp_err_t modesp_bus_pattern_validate(const char *pattern)
{
    if (pattern == NULL) {
        return MODESP_ERR_BAD_PATTERN;
    }
    return (pattern[0] == '\0' || valid_name(pattern, true)) ? ESP_OK : MODESP_ERR_BAD_PATTERN;
}

MODESP_IRAM_ATTR bool mp_bus_match(const char *p, const char *t)
{
    if (*p == '\0') {
        return true;
    }
    for (;;) {
        /* p and t are at the start of a segment */
        if (p[0] == '*' && (p[1] == '\0' || p[1] == '.')) {
            if (*t == '\0') {
                return false; /* "*" needs at least one segment */
            }
            if (p[1] == '\0') {
                return true; /* last "*": one or more segments */
            }
            while (*t != '\0' && *t != '.') {
                t++;
            }
            if (*t == '\0') {
                return false; /* the pattern has more segments than the topic */
            }
            t++;
            p += 2;
            continue;
        }
        while (*p != '\0' && *p != '.') {
            if (*t != *p) {
                return false;
            }
            p++;
            t++;
        }
        if (*p == '\0') {
            return *t == '\0';
        }
        if (*t != '.') {
            return false;
        }
        p++;
        t++;
    }
}

bool modesp_bus_topic_matches(const char *pattern, const char *topic)
{
    if (modesp_bus_pattern_validate(pattern) != ESP_OK || modesp_bus_topic_validate(topic) != ESP_OK) {
        return false;
    }
    return mp_bus_match(pattern, topic);
}
