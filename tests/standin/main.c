/* SPDX-License-Identifier: BSD-3-Clause */
/* main.c: tmdb-standin's command line, start-up and shutdown.
 *
 * tmdb-standin [--bind ADDR] [--port N] [--port-file PATH]
 *              [--tls-cert FILE --tls-key FILE] [--public-url URL]
 *              [--api-key KEY]... [--access-token TOK]...
 *              [--account ID:USERNAME[:PASSWORD[:NAME]]]...
 *              [--auto-approve USERNAME] [--token-ttl SECONDS]
 *              [--v4-token-ttl SECONDS]
 *              [--variant NAME=VALUE]...
 *              [--connection-timeout SECONDS] [--quiet]
 *
 * Without --api-key/--access-token: key "standin-api-key" and token
 * "standin-access-token". Without --account: 6089455:TMDbTestAccount:secret
 * (name "Test Name", as in the captures) and 1001:alice:alicepw (name "Alice").
 * Runs until SIGINT or SIGTERM, then exits 0. See README.md. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server.h"
#include "standin.h"
#include "util.h"

#define MAX_PEM (1024 * 1024)

struct cli {
	const char *bind;
	long port;
	const char *port_file;
	const char *tls_cert;
	const char *tls_key;
	const char *public_url;
	const char *auto_approve;
	long token_ttl;
	long v4_token_ttl;
	long conn_timeout;
	bool quiet;
	char **variants;             /* NAME=VALUE, checked when the stand-in starts */
	size_t n_variants;
	char **api_keys;
	size_t n_api_keys;
	char **access_tokens;
	size_t n_access_tokens;
	struct account *accounts;
	size_t n_accounts;
};

static void usage(FILE *to)
{
	fputs("usage: tmdb-standin [--bind ADDR] [--port N] [--port-file PATH]\n"
	      "         [--tls-cert FILE --tls-key FILE] [--public-url URL]\n"
	      "         [--api-key KEY]... [--access-token TOKEN]...\n"
	      "         [--account ID:USERNAME[:PASSWORD[:NAME]]]...\n"
	      "         [--auto-approve USERNAME] [--token-ttl SECONDS] [--v4-token-ttl SECONDS]\n"
	      "         [--variant NAME=VALUE]...\n"
	      "         [--connection-timeout SECONDS] [--quiet]\n", to);
	variants_usage(to);
}

static void push(char ***list, size_t *n, const char *s)
{
	char **p = realloc(*list, (*n + 1) * sizeof(**list));

	if (p == NULL) {
		fputs("tmdb-standin: out of memory\n", stderr);
		abort();
	}
	p[*n] = xstrdup(s);
	*list = p;
	(*n)++;
}

static int add_account(struct cli *cli, const char *spec)
{
	struct account *p = realloc(cli->accounts, (cli->n_accounts + 1) * sizeof(*p));

	if (p == NULL)
		abort();
	cli->accounts = p;
	if (account_parse(&p[cli->n_accounts], spec) != 0) {
		fprintf(stderr, "tmdb-standin: bad --account '%s' (want ID:USERNAME[:PASSWORD[:NAME]])\n", spec);
		return -1;
	}
	cli->n_accounts++;
	return 0;
}

static void free_list(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static int parse_cli(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "port-file", required_argument, NULL, 'f' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "public-url", required_argument, NULL, 'u' },
		{ "api-key", required_argument, NULL, 'a' },
		{ "access-token", required_argument, NULL, 't' },
		{ "account", required_argument, NULL, 'A' },
		{ "auto-approve", required_argument, NULL, 'y' },
		{ "token-ttl", required_argument, NULL, 'T' },
		{ "v4-token-ttl", required_argument, NULL, 'V' },
		{ "connection-timeout", required_argument, NULL, 'C' },
		{ "variant", required_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	cli->bind = "127.0.0.1";
	cli->token_ttl = 3600;
	cli->v4_token_ttl = V4_TOKEN_TTL;
	cli->conn_timeout = 30;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b': cli->bind = optarg; break;
		case 'p':
			if (parse_long(optarg, 0, 65535, &cli->port) != 0) {
				fprintf(stderr, "tmdb-standin: bad --port '%s'\n", optarg);
				return -1;
			}
			break;
		case 'f': cli->port_file = optarg; break;
		case 'c': cli->tls_cert = optarg; break;
		case 'k': cli->tls_key = optarg; break;
		case 'u': cli->public_url = optarg; break;
		case 'a': push(&cli->api_keys, &cli->n_api_keys, optarg); break;
		case 't': push(&cli->access_tokens, &cli->n_access_tokens, optarg); break;
		case 'A':
			if (add_account(cli, optarg) != 0)
				return -1;
			break;
		case 'y': cli->auto_approve = optarg; break;
		case 'T':
			if (parse_long(optarg, 0, INT_MAX, &cli->token_ttl) != 0) {
				fprintf(stderr, "tmdb-standin: bad --token-ttl '%s'\n", optarg);
				return -1;
			}
			break;
		case 'V':
			if (parse_long(optarg, 0, INT_MAX, &cli->v4_token_ttl) != 0) {
				fprintf(stderr, "tmdb-standin: bad --v4-token-ttl '%s'\n", optarg);
				return -1;
			}
			break;
		case 'C':
			if (parse_long(optarg, 1, 3600, &cli->conn_timeout) != 0) {
				fprintf(stderr, "tmdb-standin: bad --connection-timeout '%s'\n", optarg);
				return -1;
			}
			break;
		case 'v': push(&cli->variants, &cli->n_variants, optarg); break;
		case 'q': cli->quiet = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	if ((cli->tls_cert == NULL) != (cli->tls_key == NULL)) {
		fputs("tmdb-standin: --tls-cert and --tls-key go together\n", stderr);
		return -1;
	}
	if (cli->n_api_keys == 0 && cli->n_access_tokens == 0) {
		push(&cli->api_keys, &cli->n_api_keys, "standin-api-key");
		push(&cli->access_tokens, &cli->n_access_tokens, "standin-access-token");
	}
	if (cli->n_accounts == 0) {
		if (add_account(cli, "6089455:TMDbTestAccount:secret:Test Name") != 0 ||
		    add_account(cli, "1001:alice:alicepw:Alice") != 0)
			return -1;
	}
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *data = NULL;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "tmdb-standin: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	data = xmalloc(MAX_PEM + 1);
	n = fread(data, 1, MAX_PEM, f);
	if (ferror(f) || n == MAX_PEM) {
		fprintf(stderr, "tmdb-standin: %s: cannot read (or too big)\n", path);
		free(data);
		data = NULL;
	} else {
		data[n] = '\0';
	}
	fclose(f);
	return data;
}

static int write_port_file(const char *path, unsigned port)
{
	size_t len = strlen(path) + 32;
	char *tmp = xmalloc(len);
	FILE *f;
	int rc = -1;

	snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "we");
	if (f == NULL)
		goto out;
	if (fprintf(f, "%u\n", port) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		unlink(tmp);
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "tmdb-standin: cannot write %s: %s\n", path, strerror(errno));
	free(tmp);
	return rc;
}

/* Binds and listens here, so that the port (and the public URL) is known
 * before any request can arrive. Returns the socket or -1. */
static int make_listener(const struct sockaddr_storage *ss, socklen_t len, unsigned *port)
{
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	int one = 1;
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, 256) != 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &blen) != 0)
		goto fail;
	if (bound.ss_family == AF_INET6)
		*port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
	else
		*port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
	return fd;
fail:
	fprintf(stderr, "tmdb-standin: cannot listen: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int make_addr(const char *host, long port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	fprintf(stderr, "tmdb-standin: bad --bind address '%s' (want a numeric IP)\n", host);
	return -1;
}

int main(int argc, char **argv)
{
	struct cli cli;
	struct standin si;
	struct server_config cfg;
	struct sockaddr_storage ss;
	struct MHD_Daemon *d = NULL;
	char *cert = NULL, *key = NULL;
	sigset_t sigs;
	int sig, rc = 1;
	bool state_ready = false;
	unsigned port = 0;
	socklen_t addrlen = 0;

	memset(&cli, 0, sizeof(cli));
	memset(&si, 0, sizeof(si));
	memset(&cfg, 0, sizeof(cfg));
	atomic_init(&si.stopping, false);
	signal(SIGPIPE, SIG_IGN);
	if (parse_cli(&cli, argc, argv) != 0)
		goto out;
	if (make_addr(cli.bind, cli.port, &ss, &addrlen) != 0)
		goto out;
	if (cli.tls_cert != NULL) {
		cert = read_file(cli.tls_cert);
		key = read_file(cli.tls_key);
		if (cert == NULL || key == NULL)
			goto out;
	}
	if (state_init(&si.state, cli.accounts, cli.n_accounts, cli.token_ttl, cli.v4_token_ttl,
		       cli.auto_approve) != 0) {
		fprintf(stderr, "tmdb-standin: --auto-approve: no account '%s'\n", cli.auto_approve);
		cli.accounts = NULL;
		state_ready = true;
		goto out;
	}
	cli.accounts = NULL;   /* owned by the state now */
	state_ready = true;
	faults_init(&si.faults);
	stats_init(&si.stats);
	variants_init(&si.variants);
	for (size_t i = 0; i < cli.n_variants; i++) {
		if (variants_set_default(&si.variants, cli.variants[i]) != 0) {
			fprintf(stderr, "tmdb-standin: bad --variant '%s' (see --help)\n", cli.variants[i]);
			goto out_state;
		}
	}
	si.tls = cert != NULL;
	si.quiet = cli.quiet;
	si.api_keys = cli.api_keys;
	si.n_api_keys = cli.n_api_keys;
	si.access_tokens = cli.access_tokens;
	si.n_access_tokens = cli.n_access_tokens;

	/* Signals go to sigwait below: block them before MHD starts threads. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	cfg.listen_fd = make_listener(&ss, addrlen, &port);
	if (cfg.listen_fd < 0)
		goto out_state;
	cfg.family = ss.ss_family;
	cfg.tls_cert_pem = cert;
	cfg.tls_key_pem = key;
	cfg.connection_timeout = (unsigned)cli.conn_timeout;
	if (cli.public_url != NULL) {
		size_t n = strlen(cli.public_url);

		si.public_url = xstrdup(cli.public_url);
		while (n > 0 && si.public_url[n - 1] == '/')
			si.public_url[--n] = '\0';
	} else {
		struct buf u;

		buf_init(&u);
		buf_printf(&u, "%s://localhost:%u", si.tls ? "https" : "http", port);
		si.public_url = buf_steal(&u);
	}
	d = server_start(&si, &cfg);
	if (d == NULL) {
		close(cfg.listen_fd);
		goto out_state;
	}
	if (cli.port_file != NULL && write_port_file(cli.port_file, port) != 0)
		goto out_daemon;
	if (!cli.quiet)
		fprintf(stderr, "tmdb-standin: listening on %s://%s%s%s:%u\n",
			si.tls ? "https" : "http", ss.ss_family == AF_INET6 ? "[" : "",
			cli.bind, ss.ss_family == AF_INET6 ? "]" : "", port);
	do {
		if (sigwait(&sigs, &sig) != 0)
			break;
	} while (sig != SIGINT && sig != SIGTERM);
	if (!cli.quiet)
		fprintf(stderr, "tmdb-standin: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	rc = 0;
out_daemon:
	atomic_store(&si.stopping, true);
	server_stop(d);
out_state:
	faults_destroy(&si.faults);
	stats_destroy(&si.stats);
out:
	if (state_ready)
		state_destroy(&si.state);
	if (cli.accounts != NULL) {
		size_t i;

		for (i = 0; i < cli.n_accounts; i++)
			account_free(&cli.accounts[i]);
		free(cli.accounts);
	}
	free_list(cli.variants, cli.n_variants);
	free_list(cli.api_keys, cli.n_api_keys);
	free_list(cli.access_tokens, cli.n_access_tokens);
	free(si.public_url);
	free(cert);
	free(key);
	return rc;
}
