/* SPDX-License-Identifier: BSD-3-Clause */
/* output.c — the values are the server's text (usernames in particular), so every format
 * quotes or refuses whatever could break out of it:
 *   shell: export NAME='value' with ' as '\'' — safe to eval, nothing inside is expanded;
 *   json:  one object, strings escaped (control characters and bytes outside UTF-8 as \u00XX);
 *   env:   NAME=value lines, for systemd's EnvironmentFile= and the like: a value holding a
 *          newline (or a NUL) cannot be written and is refused. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "output.h"

#include <stdbool.h>
#include <string.h>

static void shell_quoted(FILE *out, const char *v)
{
	fputc('\'', out);
	for (; *v; v++) {
		if (*v == '\'')
			fputs("'\\''", out);
		else
			fputc(*v, out);
	}
	fputc('\'', out);
}

/* Length of the well-formed UTF-8 sequence at s (1 to 4), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

static void json_string(FILE *out, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;

	fputc('"', out);
	while (*s) {
		size_t n = utf8_len(s);
		if (*s == '"' || *s == '\\') {
			fputc('\\', out);
			fputc(*s, out);
			s++;
		} else if (n == 1 && *s >= 0x20 && *s != 0x7f) {
			fputc(*s++, out);
		} else if (n > 1) {
			fwrite(s, 1, n, out);
			s += n;
		} else {
			fprintf(out, "\\u%04x", *s++);
		}
	}
	fputc('"', out);
}

int output_session(FILE *out, enum login_format format, const struct session_vars *vars)
{
	if (format == FORMAT_ENV) {
		for (int i = 0; i < vars->n; i++) {
			if (strchr(vars->value[i], '\n') != NULL || strchr(vars->value[i], '\r') != NULL) {
				say("%s holds a line break and cannot be printed with --format env; "
				    "use --format shell or json", vars->name[i]);
				return -1;
			}
		}
	}
	switch (format) {
	case FORMAT_SHELL:
		for (int i = 0; i < vars->n; i++) {
			fprintf(out, "export %s=", vars->name[i]);
			shell_quoted(out, vars->value[i]);
			fputc('\n', out);
		}
		break;
	case FORMAT_JSON:
		fputc('{', out);
		for (int i = 0; i < vars->n; i++) {
			fputs(i ? ", " : "", out);
			json_string(out, vars->name[i]);
			fputs(": ", out);
			json_string(out, vars->value[i]);
		}
		fputs("}\n", out);
		break;
	case FORMAT_ENV:
		for (int i = 0; i < vars->n; i++)
			fprintf(out, "%s=%s\n", vars->name[i], vars->value[i]);
		break;
	default:
		return -1;
	}
	if (fflush(out) != 0 || ferror(out)) {
		say("could not write the session to standard output");
		return -1;
	}
	return 0;
}
