/* SPDX-License-Identifier: BSD-3-Clause */
/* The module's parsers against live TMDb answers recorded in tests/data/tmdb-captures (make
 * passes that directory as TMDB_CAPTURES_DIR): every captured body must be read the way the
 * module needs it. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "check.h"
#include "tmdb_api.h"
#include "wipe.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void gen_value(yajl_gen g, yajl_val v)
{
	if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++) {
			yajl_gen_string(g, (const unsigned char *)v->u.object.keys[i], strlen(v->u.object.keys[i]));
			gen_value(g, v->u.object.values[i]);
		}
		yajl_gen_map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			gen_value(g, v->u.array.values[i]);
		yajl_gen_array_close(g);
	} else if (YAJL_IS_STRING(v)) {
		yajl_gen_string(g, (const unsigned char *)v->u.string, strlen(v->u.string));
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_TRUE(v)) {
		yajl_gen_bool(g, 1);
	} else if (YAJL_IS_FALSE(v)) {
		yajl_gen_bool(g, 0);
	} else {
		yajl_gen_null(g);
	}
}

static void check_capture(const char *path, const char *name)
{
	char err[256];
	char *text = slurp(path);
	yajl_val root, body, pattern, status;
	const char *body_path[] = { "Response", "BodyAsJson", NULL };
	const char *status_path[] = { "Response", "StatusCode", NULL };
	const char *pattern_path[] = { "Request", "Path", "Matchers", NULL };
	const unsigned char *out;
	size_t len;
	yajl_gen g;
	const char *endpoint, *why = "";

	CHECK(text != NULL, "%s readable", name);
	if (text == NULL)
		return;
	root = yajl_tree_parse(text, err, sizeof(err));
	free(text);
	CHECK(root != NULL, "%s is JSON", name);
	if (root == NULL)
		return;
	body = yajl_tree_get(root, body_path, yajl_t_object);
	status = yajl_tree_get(root, status_path, yajl_t_number);
	pattern = yajl_tree_get(root, pattern_path, yajl_t_array);
	endpoint = pattern && pattern->u.array.len > 0
			   ? YAJL_GET_STRING(yajl_tree_get(pattern->u.array.values[0], (const char *[]){ "Pattern", NULL }, yajl_t_string))
			   : NULL;
	CHECK(body != NULL && status != NULL && endpoint != NULL, "%s has a body, a status and a path", name);
	if (body == NULL || status == NULL || endpoint == NULL) {
		yajl_tree_free(root);
		return;
	}
	g = yajl_gen_alloc(NULL);
	gen_value(g, body);
	yajl_gen_get_buf(g, &out, &len);

	if (strcmp(endpoint, "/3/authentication/token/new") == 0) {
		struct tmdb_token t = { 0 };
		CHECK(tmdb_parse_token((const char *)out, len, &t, &why) == 0, "%s: token answer accepted (%s)", name, why);
		CHECK(t.expires_at == 1767225600, "%s: expires_at read", name);
	} else if (strcmp(endpoint, "/3/account") == 0) {
		struct tmdb_account a = { 0 };
		CHECK(tmdb_parse_account((const char *)out, len, &a, &why) == 0 && a.id == 6089455 &&
		      strcmp(a.username, "TMDbTestAccount") == 0, "%s: account accepted (%s)", name, why);
		tmdb_account_clear(&a);
	} else if (YAJL_GET_INTEGER(status) >= 400) {
		struct tmdb_error e;
		CHECK(tmdb_parse_error((const char *)out, len, &e) == 0 && e.status_code > 0,
		      "%s: error body read, status_code %ld (%s)", name, e.status_code, e.message);
	} else {
		struct tmdb_error e;
		CHECK(tmdb_parse_error((const char *)out, len, &e) != 0, "%s: a success body is not taken for an error", name);
	}
	yajl_gen_free(g);
	yajl_tree_free(root);
}

int main(void)
{
	const char *dir = getenv("TMDB_CAPTURES_DIR");
	struct dirent **names = NULL;
	int n, seen = 0;

	CHECK(dir != NULL, "TMDB_CAPTURES_DIR is set");
	if (dir == NULL)
		CHECK_DONE();
	n = scandir(dir, &names, NULL, alphasort);
	CHECK(n > 0, "captures found in %s", dir);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		if (len > 5 && strcmp(names[i]->d_name + len - 5, ".json") == 0) {
			char path[8192];
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			check_capture(path, names[i]->d_name);
			seen++;
		}
		free(names[i]);
	}
	free(names);
	CHECK(seen >= 6, "all six captures checked (%d)", seen);
	CHECK_DONE();
}
