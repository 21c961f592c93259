/* SPDX-License-Identifier: BSD-3-Clause */
/* check_services.c — which services in the PAM directory run pam_tmdb.so (directly, or
 * through "@include", "include" and "substack"), with which arguments, and which of them are
 * run by the user (screen lockers), so that they need the setgid helper. For --service NAME,
 * the arguments of its first auth line are the ones the configuration is read with. */
#include "config.h"
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 8
#define MAX_FIELDS 64

/* Hosts that run as the user who is logged in: they cannot read a root-only key file. */
static const char *const user_run[] = {
	"vlock", "xscreensaver", "swaylock", "i3lock", "i3lock-color", "hyprlock", "waylock", "gtklock", "physlock",
	"slock", "xlock", "xsecurelock", "kde", "kscreensaver", "kscreenlocker", "gnome-screensaver",
	"cinnamon-screensaver", "mate-screensaver", "xfce4-screensaver", "light-locker", "lxlock",
};

bool check_is_user_run(const char *service)
{
	for (size_t i = 0; i < sizeof(user_run) / sizeof(user_run[0]); i++)
		if (strcmp(service, user_run[i]) == 0)
			return true;
	return false;
}

struct scan {
	struct check *c;
	const char *service; /* the service being listed */
	bool want_args;      /* --service: its arguments are still to be taken */
	bool found;
};

static bool is_module(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	return strcmp(base, "pam_tmdb.so") == 0;
}

/* The arguments as shown: a secret's value never is (module arguments are world-readable,
 * but the report may travel further). */
static void shown_arguments(char **f, int n, char *out, size_t len)
{
	size_t o = 0;
	out[0] = '\0';
	for (int i = 0; i < n && o + 1 < len; i++) {
		size_t klen = strcspn(f[i], "=");
		char key[64];
		snprintf(key, sizeof(key), "%.*s", (int)(klen < 63 ? klen : 63), f[i]);
		if (options_is_secret(key))
			o += (size_t)snprintf(out + o, len - o, "%s%s=(hidden)", o ? " " : "", key);
		else
			o += (size_t)snprintf(out + o, len - o, "%s%s", o ? " " : "", f[i]);
	}
}

static void take_arguments(struct scan *s, const char *path, unsigned lineno, char **f, int n)
{
	struct check *c = s->c;
	c->argv = calloc((size_t)n + 1, sizeof(*c->argv));
	if (c->argv == NULL)
		return;
	for (int i = 0; i < n; i++)
		if ((c->argv[c->argc] = strdup(f[i])) != NULL)
			c->argc++;
	c->args_file = strdup(path);
	c->args_line = lineno;
	s->want_args = false;
}

static void scan_file(struct scan *s, const char *name, int depth);

static void module_line(struct scan *s, const char *path, unsigned lineno, const char *type, char **f, int n,
			bool direct)
{
	char shown[1024];
	shown_arguments(f, n, shown, sizeof(shown));
	s->found = true;
	check_add_service(s->c, s->service, path, lineno, type, shown, check_is_user_run(s->service));
	/* a secret in the PAM directory: once, for the file that holds it */
	for (int i = 0; direct && i < n; i++) {
		char key[64];
		size_t klen = strcspn(f[i], "=");
		snprintf(key, sizeof(key), "%.*s", (int)(klen < 63 ? klen : 63), f[i]);
		if (options_is_secret(key))
			check_add(s->c, CHECK_ERROR, "services", path, lineno, key,
				  "move it to the configuration file (mode 0600) or to api_key_file",
				  "%s is a module argument: files in the PAM directory are readable by everyone (the module refuses it)",
				  key);
	}
	if (s->want_args && (strcmp(type, "auth") == 0 || s->c->argv == NULL))
		take_arguments(s, path, lineno, f, n);
}

static void scan_line(struct scan *s, const char *path, unsigned lineno, char *line, int depth)
{
	char *f[MAX_FIELDS], *save = NULL, *tok;
	int n = 0, i = 0;
	const char *type;

	line[strcspn(line, "#")] = '\0';
	for (tok = strtok_r(line, " \t\r\n", &save); tok != NULL && n < MAX_FIELDS; tok = strtok_r(NULL, " \t\r\n", &save))
		f[n++] = tok;
	if (n == 0)
		return;
	type = f[i][0] == '-' ? f[i] + 1 : f[i];
	i++;
	if (strcmp(type, "@include") == 0) {
		if (i < n)
			scan_file(s, f[i], depth + 1);
		return;
	}
	if (i >= n)
		return;
	if (f[i][0] == '[') {
		/* a bracketed control may hold spaces: up to the field that closes it */
		while (i < n && strchr(f[i], ']') == NULL)
			i++;
	}
	if (++i >= n)
		return;
	if (strcmp(f[i - 1], "include") == 0 || strcmp(f[i - 1], "substack") == 0)
		scan_file(s, f[i], depth + 1);
	else if (is_module(f[i]))
		module_line(s, path, lineno, type, f + i + 1, n - i - 1, depth == 0);
}

static void scan_file(struct scan *s, const char *name, int depth)
{
	char path[PATH_MAX], line[4096];
	unsigned lineno = 0;
	FILE *fp;

	if (depth > MAX_DEPTH || strchr(name, '/') != NULL || name[0] == '.')
		return;
	snprintf(path, sizeof(path), "%s/%s", s->c->pam_dir, name);
	fp = fopen(path, "re");
	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		scan_line(s, path, lineno, line, depth);
	}
	fclose(fp);
}

static int only_services(const struct dirent *d)
{
	return d->d_name[0] != '.' && strstr(d->d_name, ".dpkg-") == NULL && strchr(d->d_name, '~') == NULL;
}

int check_services(struct check *c)
{
	struct dirent **names = NULL;
	bool service_seen = false;
	int n = scandir(c->pam_dir, &names, only_services, alphasort);

	if (n < 0) {
		check_add(c, c->service != NULL ? CHECK_ERROR : CHECK_WARNING, "services", c->pam_dir, 0, NULL,
			  "name the PAM directory with --pam-dir", "cannot list the PAM directory: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct scan s = { c, names[i]->d_name, c->service != NULL && strcmp(c->service, names[i]->d_name) == 0, false };
		bool listed = s.want_args;
		scan_file(&s, names[i]->d_name, 0);
		if (listed && !s.found)
			check_add(c, CHECK_ERROR, "services", c->pam_dir, 0, NULL, "add an \"auth ... pam_tmdb.so\" line to it (pam_tmdb(8))",
				  "service %s does not use pam_tmdb.so", c->service);
		service_seen |= listed;
		free(names[i]);
	}
	free(names);
	if (c->service != NULL && !service_seen)
		check_add(c, CHECK_ERROR, "services", c->pam_dir, 0, NULL, "name a service of that directory",
			  "no service %s in %s", c->service, c->pam_dir);
	return 0;
}
