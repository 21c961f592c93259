/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "module_data.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	struct entry *next;
	char *name;
	void *data;
	void (*cleanup)(pam_handle_t *pamh, void *data, int error_status);
};

/* one handle per helper process */
static struct entry *entries;

static struct entry *find(const char *name)
{
	for (struct entry *e = entries; e != NULL; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

int pam_set_data(pam_handle_t *pamh, const char *module_data_name, void *data,
		 void (*cleanup)(pam_handle_t *pamh, void *data, int error_status))
{
	struct entry *e = find(module_data_name);
	if (e != NULL) {
		if (e->cleanup != NULL)
			e->cleanup(pamh, e->data, PAM_DATA_REPLACE | PAM_SUCCESS);
	} else {
		e = calloc(1, sizeof(*e));
		if (e == NULL || (e->name = strdup(module_data_name)) == NULL) {
			free(e);
			return PAM_BUF_ERR;
		}
		e->next = entries;
		entries = e;
	}
	e->data = data;
	e->cleanup = cleanup;
	return PAM_SUCCESS;
}

int pam_get_data(const pam_handle_t *pamh, const char *module_data_name, const void **datap)
{
	struct entry *e = find(module_data_name);
	(void)pamh;
	if (e == NULL)
		return PAM_NO_MODULE_DATA;
	*datap = e->data;
	return PAM_SUCCESS;
}

void module_data_end(pam_handle_t *pamh, int status)
{
	while (entries != NULL) {
		struct entry *e = entries;
		entries = e->next;
		if (e->cleanup != NULL)
			e->cleanup(pamh, e->data, status);
		free(e->name);
		free(e);
	}
}
