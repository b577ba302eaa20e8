/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * cJSON.h as ESP-IDF ships it (the `json` component up to 5.x, the registry's
 * espressif/cjson from 6.0): the part of cJSON's documented API the JSON
 * layers call. The object's layout is public in cJSON; the layers only pass
 * pointers, so it is left incomplete here.
 */
#ifndef PORT_DECLS_CJSON_H
#define PORT_DECLS_CJSON_H

typedef struct cJSON cJSON;
typedef int cJSON_bool;

cJSON *cJSON_CreateObject(void);
cJSON *cJSON_CreateNumber(double num);
cJSON *cJSON_CreateString(const char *string);
cJSON *cJSON_CreateBool(cJSON_bool boolean);
cJSON *cJSON_CreateRaw(const char *raw);
cJSON_bool cJSON_AddItemToObject(cJSON *object, const char *string, cJSON *item);
cJSON *cJSON_AddNumberToObject(cJSON *const object, const char *const name, const double number);
cJSON *cJSON_AddStringToObject(cJSON *const object, const char *const name, const char *const string);
cJSON *cJSON_AddObjectToObject(cJSON *const object, const char *const name);
char *cJSON_PrintUnformatted(const cJSON *item);
void cJSON_Delete(cJSON *item);
void cJSON_free(void *object);

#endif
