/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON event output. Strings are escaped so that every line is valid JSON whatever the module sent:
 *   "  \  -> \" \\ ;  control characters U+0000..U+001F and U+007F -> \u00XX ;
 *   well-formed UTF-8 is copied as is; every byte that is not part of a well-formed UTF-8 sequence
 *   (stray continuation bytes, overlong forms, surrogates, > U+10FFFF, truncated sequences) becomes
 *   \u00XX of that byte, i.e. it reads back as the Latin-1 character of the same value.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

void jb_init(struct jbuf *b)
{
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

void jb_free(struct jbuf *b)
{
	free(b->p);
	jb_init(b);
}

static void jb_mem(struct jbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 128;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void jb_raw(struct jbuf *b, const char *s)
{
	jb_mem(b, s, strlen(s));
}

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), 0 if not well-formed. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void jb_string(struct jbuf *b, const char *str)
{
	if (!str) {
		jb_raw(b, "null");
		return;
	}
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	char esc[8];

	jb_mem(b, "\"", 1);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			jb_mem(b, esc, 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", (unsigned)c);
			jb_mem(b, esc, 6);
			i++;
		} else {
			size_t l = utf8_len(s + i, n - i);
			if (l == 0) {
				snprintf(esc, sizeof esc, "\\u%04x", (unsigned)c);
				jb_mem(b, esc, 6);
				i++;
			} else {
				jb_mem(b, str + i, l);
				i += l;
			}
		}
	}
	jb_mem(b, "\"", 1);
}

void ev_begin(struct jbuf *b, const char *ev)
{
	jb_init(b);
	jb_raw(b, "{\"ev\":");
	jb_string(b, ev);
}

static void ev_key(struct jbuf *b, const char *key)
{
	jb_raw(b, ",");
	jb_string(b, key);
	jb_raw(b, ":");
}

void ev_str(struct jbuf *b, const char *key, const char *val)
{
	ev_key(b, key);
	jb_string(b, val);
}

void ev_int(struct jbuf *b, const char *key, long long val)
{
	char num[32];
	snprintf(num, sizeof num, "%lld", val);
	ev_key(b, key);
	jb_raw(b, num);
}

void ev_double(struct jbuf *b, const char *key, double val)
{
	char num[64];
	snprintf(num, sizeof num, "%.6f", val);
	ev_key(b, key);
	jb_raw(b, num);
}

void ev_rawval(struct jbuf *b, const char *key, const char *json)
{
	ev_key(b, key);
	jb_raw(b, json);
}

void ev_end(struct jbuf *b)
{
	jb_raw(b, "}\n");
	pthread_mutex_lock(&out_lock);
	if (b->oom)
		fputs("{\"ev\":\"error\",\"msg\":\"out of memory\"}\n", stdout);
	else
		fwrite(b->p, 1, b->len, stdout);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	jb_free(b);
}

const char *pam_rc_name(int rc)
{
	static const char *const names[] = {
		"PAM_SUCCESS", "PAM_OPEN_ERR", "PAM_SYMBOL_ERR", "PAM_SERVICE_ERR",
		"PAM_SYSTEM_ERR", "PAM_BUF_ERR", "PAM_PERM_DENIED", "PAM_AUTH_ERR",
		"PAM_CRED_INSUFFICIENT", "PAM_AUTHINFO_UNAVAIL", "PAM_USER_UNKNOWN",
		"PAM_MAXTRIES", "PAM_NEW_AUTHTOK_REQD", "PAM_ACCT_EXPIRED", "PAM_SESSION_ERR",
		"PAM_CRED_UNAVAIL", "PAM_CRED_EXPIRED", "PAM_CRED_ERR", "PAM_NO_MODULE_DATA",
		"PAM_CONV_ERR", "PAM_AUTHTOK_ERR", "PAM_AUTHTOK_RECOVERY_ERR",
		"PAM_AUTHTOK_LOCK_BUSY", "PAM_AUTHTOK_DISABLE_AGING", "PAM_TRY_AGAIN",
		"PAM_IGNORE", "PAM_ABORT", "PAM_AUTHTOK_EXPIRED", "PAM_MODULE_UNKNOWN",
		"PAM_BAD_ITEM", "PAM_CONV_AGAIN", "PAM_INCOMPLETE",
	};
	if (rc >= 0 && (size_t)rc < sizeof names / sizeof names[0])
		return names[rc];
	return "PAM_UNKNOWN_RC";
}

void ev_op(const char *op, int rc)
{
	struct jbuf b;
	ev_begin(&b, "op");
	ev_str(&b, "op", op);
	ev_int(&b, "rc", rc);
	ev_str(&b, "name", pam_rc_name(rc));
	ev_end(&b);
}
