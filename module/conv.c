/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "conv.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "wipe.h"

void conv_add(struct conv_round *r, int style, const char *text)
{
	if (r->n >= CONV_MAX_MSGS)
		return;
	r->msg[r->n].msg_style = style;
	r->msg[r->n].msg = text;
	r->n++;
}

static bool is_prompt(int style)
{
	return style == PAM_PROMPT_ECHO_ON || style == PAM_PROMPT_ECHO_OFF;
}

bool conv_available(pam_handle_t *pamh)
{
	const void *item = NULL;
	const struct pam_conv *conv;
	if (pam_get_item(pamh, PAM_CONV, &item) != PAM_SUCCESS)
		return false;
	conv = item;
	return conv != NULL && conv->conv != NULL;
}

int conv_send(pam_handle_t *pamh, const struct conv_round *r, char **reply)
{
	const void *item = NULL;
	const struct pam_conv *conv;
	const struct pam_message *msgp[CONV_MAX_MSGS];
	struct pam_response *resp = NULL;
	int rc, last_prompt = -1;

	if (reply != NULL)
		*reply = NULL;
	if (!conv_available(pamh)) {
		pam_syslog(pamh, LOG_ERR, "the host gave no conversation function");
		return PAM_CONV_ERR;
	}
	pam_get_item(pamh, PAM_CONV, &item);
	conv = item;
	for (int i = 0; i < r->n; i++) {
		msgp[i] = &r->msg[i];
		if (is_prompt(r->msg[i].msg_style))
			last_prompt = i;
	}
	rc = conv->conv(r->n, msgp, &resp, conv->appdata_ptr);
	if (rc != PAM_SUCCESS) {
		pam_syslog(pamh, LOG_ERR, "the conversation failed: %s", pam_strerror(pamh, rc));
		rc = PAM_CONV_ERR;
	} else if (last_prompt >= 0 && resp == NULL) {
		pam_syslog(pamh, LOG_ERR, "the conversation gave no answer to the prompt");
		rc = PAM_CONV_ERR;
	} else if (last_prompt >= 0 && reply != NULL && resp[last_prompt].resp != NULL) {
		*reply = strdup(resp[last_prompt].resp);
		if (*reply == NULL)
			rc = PAM_BUF_ERR;
	}
	if (resp != NULL) {
		for (int i = 0; i < r->n; i++)
			wipe_free_str(resp[i].resp);
		free(resp);
	}
	return rc;
}

int conv_say(pam_handle_t *pamh, int flags, int style, const char *text)
{
	struct conv_round r = { 0 };
	if (flags & PAM_SILENT)
		return PAM_SUCCESS;
	conv_add(&r, style, text);
	return conv_send(pamh, &r, NULL);
}
