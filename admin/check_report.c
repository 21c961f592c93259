/* SPDX-License-Identifier: BSD-3-Clause */
/* check_report.c — the problems `tmdbctl check` found, and their two forms: text for a
 * person, JSON for configuration management (schema in man/tmdbctl.8, "JSON OUTPUT"). */
#include "config.h"
#include "check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const severity_names[] = { "error", "warning", "note" };

static char *dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

void check_add(struct check *c, enum check_severity severity, const char *check, const char *file, unsigned line,
	       const char *key, const char *fix, const char *fmt, ...)
{
	struct check_report *r = &c->r;
	struct check_problem *p;
	va_list ap;
	char msg[1024];

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		void *grown = realloc(r->problems, cap * sizeof(*r->problems));
		if (grown == NULL) {
			fputs("tmdbctl: out of memory\n", stderr);
			exit(1);
		}
		r->problems = grown;
		r->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p = &r->problems[r->n++];
	p->severity = severity;
	p->check = check;
	p->file = dup_or_null(file);
	p->line = line;
	p->key = dup_or_null(key);
	p->message = strdup(msg);
	p->fix = dup_or_null(fix);
}

int check_add_service(struct check *c, const char *name, const char *file, unsigned line, const char *type,
		      const char *arguments, bool user_run)
{
	struct check_report *r = &c->r;
	struct check_service *s;

	if (r->n_services == r->cap_services) {
		size_t cap = r->cap_services ? r->cap_services * 2 : 16;
		void *grown = realloc(r->services, cap * sizeof(*r->services));
		if (grown == NULL)
			return -1;
		r->services = grown;
		r->cap_services = cap;
	}
	s = &r->services[r->n_services++];
	s->name = strdup(name);
	s->file = strdup(file);
	s->line = line;
	s->type = strdup(type);
	s->arguments = strdup(arguments);
	s->user_run = user_run;
	return 0;
}

size_t check_count(const struct check *c, enum check_severity severity)
{
	size_t n = 0;
	for (size_t i = 0; i < c->r.n; i++)
		n += c->r.problems[i].severity == severity;
	return n;
}

void check_print_text(const struct check *c, FILE *f)
{
	size_t errors = check_count(c, CHECK_ERROR), warnings = check_count(c, CHECK_WARNING);

	for (size_t i = 0; i < c->r.n; i++) {
		const struct check_problem *p = &c->r.problems[i];
		fprintf(f, "%s: ", severity_names[p->severity]);
		if (p->file != NULL && p->line > 0)
			fprintf(f, "%s:%u: ", p->file, p->line);
		else if (p->file != NULL)
			fprintf(f, "%s: ", p->file);
		if (p->key != NULL)
			fprintf(f, "[%s] ", p->key);
		fprintf(f, "%s\n", p->message);
		if (p->fix != NULL)
			fprintf(f, "  fix: %s\n", p->fix);
	}
	if (c->r.n_services == 0)
		fprintf(f, "services: none in %s uses pam_tmdb.so\n", c->pam_dir);
	else
		fprintf(f, "services using pam_tmdb.so in %s:\n", c->pam_dir);
	for (size_t i = 0; i < c->r.n_services; i++) {
		const struct check_service *s = &c->r.services[i];
		fprintf(f, "  %-16s %-8s %s:%u%s%s%s\n", s->name, s->type, s->file, s->line,
			s->user_run ? " (run by the user: needs the helper)" : "", s->arguments[0] ? "  " : "",
			s->arguments);
	}
	if (errors > 0)
		fprintf(f, "result: %zu error%s, %zu warning%s: a login cannot work\n", errors, errors == 1 ? "" : "s",
			warnings, warnings == 1 ? "" : "s");
	else
		fprintf(f, "result: no errors, %zu warning%s: a login could work\n", warnings, warnings == 1 ? "" : "s");
}

static void json_string(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void check_print_json(const struct check *c, FILE *f)
{
	fprintf(f, "{\"schema\":1,\"ok\":%s,\"errors\":%zu,\"warnings\":%zu,\"problems\":[",
		check_count(c, CHECK_ERROR) == 0 ? "true" : "false", check_count(c, CHECK_ERROR),
		check_count(c, CHECK_WARNING));
	for (size_t i = 0; i < c->r.n; i++) {
		const struct check_problem *p = &c->r.problems[i];
		fprintf(f, "%s{\"severity\":\"%s\",\"check\":", i ? "," : "", severity_names[p->severity]);
		json_string(f, p->check);
		fputs(",\"file\":", f);
		json_string(f, p->file);
		if (p->line > 0)
			fprintf(f, ",\"line\":%u", p->line);
		else
			fputs(",\"line\":null", f);
		fputs(",\"key\":", f);
		json_string(f, p->key);
		fputs(",\"message\":", f);
		json_string(f, p->message);
		fputs(",\"fix\":", f);
		json_string(f, p->fix);
		fputc('}', f);
	}
	fputs("],\"pam_dir\":", f);
	json_string(f, c->pam_dir);
	fputs(",\"services\":[", f);
	for (size_t i = 0; i < c->r.n_services; i++) {
		const struct check_service *s = &c->r.services[i];
		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_string(f, s->name);
		fputs(",\"file\":", f);
		json_string(f, s->file);
		fprintf(f, ",\"line\":%u,\"type\":", s->line);
		json_string(f, s->type);
		fputs(",\"arguments\":", f);
		json_string(f, s->arguments);
		fprintf(f, ",\"user_run\":%s}", s->user_run ? "true" : "false");
	}
	fputs("]}\n", f);
}

void check_report_free(struct check_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->problems[i].file);
		free(r->problems[i].key);
		free(r->problems[i].message);
		free(r->problems[i].fix);
	}
	for (size_t i = 0; i < r->n_services; i++) {
		free(r->services[i].name);
		free(r->services[i].file);
		free(r->services[i].type);
		free(r->services[i].arguments);
	}
	free(r->problems);
	free(r->services);
	memset(r, 0, sizeof(*r));
}
