# SPDX-License-Identifier: BSD-3-Clause
## module/: the convenience library with all logic, and the thin PAM module on top.
noinst_LTLIBRARIES += module/libtmdb.la
module_libtmdb_la_SOURCES = \
	module/approval.c module/approval.h \
	module/ascii.h \
	module/binding.c module/binding.h \
	module/cache.c module/cache.h \
	module/clock.c module/clock.h \
	module/cloexec.c module/cloexec.h \
	module/credential.c module/credential.h \
	module/conv.c module/conv.h \
	module/curl_pool.c module/curl_pool.h \
	module/enrol.c module/enrol.h \
	module/enrol_args.c module/enrol_args.h \
	module/enrol_record.c module/enrol_record.h \
	module/enrol_store.c module/enrol_store.h \
	module/flow.c module/flow.h \
	module/flow_v4.c module/flow_v4.h \
	module/fork_guard.c module/fork_guard.h \
	module/helper_client.c module/helper_client.h \
	module/helper_proto.c module/helper_proto.h \
	module/greeter.c module/greeter.h \
	module/http.c module/http.h \
	module/journal.c module/journal.h \
	module/json_fields.c module/json_fields.h \
	module/lifetime.c module/lifetime.h \
	module/login_guard.c module/login_guard.h \
	module/options.c module/options.h \
	module/proc_id.c module/proc_id.h \
	module/qr.c module/qr.h \
	module/record.c module/record.h \
	module/reaper.c module/reaper.h \
	module/refusal.c module/refusal.h \
	module/return_to.c module/return_to.h \
	module/revoke.c module/revoke.h \
	module/scope.c module/scope.h \
	module/scope_first.c module/scope_first.h \
	module/safe_file.c module/safe_file.h \
	module/session.c module/session.h \
	module/text.c module/text.h \
	module/tmdb_api.c module/tmdb_api.h \
	module/tmdb_ids.c module/tmdb_ids.h \
	module/tmdb_v4.c module/tmdb_v4.h \
	module/txn.c module/txn.h \
	module/txn_api.c module/txn_api.h \
	module/userlog.c module/userlog.h \
	module/wipe.c module/wipe.h
# TMDB_HELPER_PATH: the default of the helper key (helper/local.mk installs it there)
module_libtmdb_la_CFLAGS = $(AM_CFLAGS) $(HARDEN_CFLAGS) -pthread \
	-DTMDB_HELPER_PATH='"$(pkglibexecdir)/pam_tmdb_helper"' \
	$(CURL_CFLAGS) $(YAJL_CFLAGS) $(PAM_CFLAGS) $(QRENCODE_CFLAGS)
module_libtmdb_la_LIBADD = $(CURL_LIBS) $(YAJL_LIBS) $(PAM_LIBS) $(QRENCODE_LIBS) -lpam
module_libtmdb_la_LDFLAGS = -pthread

pamdir = $(PAMDIR)
pam_LTLIBRARIES = module/pam_tmdb.la module/pam_tmdb_core.la

# pam_tmdb.so is thin (module/core_loader.h): the entry points, scope first, the options (built
# with TMDB_THIN_MODULE: no libcurl URL parser) and the helper path, and nothing that links
# libcurl, yajl or libqrencode; a host run by an ordinary user goes through pam_tmdb_helper and
# never loads them. tests/unit/test_thin_module.sh checks its NEEDED entries.
# -z nodelete: libpam unloads modules at pam_end; staying loaded keeps the core loaded (and with
# it libcurl initialised and the handle pool, curl_pool.c) for a long-lived host's next one.
module_pam_tmdb_la_SOURCES = module/pam_tmdb.c \
	module/core_loader.c module/core_loader.h \
	module/ascii.h \
	module/clock.c module/clock.h \
	module/conv.c module/conv.h \
	module/credential.c module/credential.h \
	module/enrol_args.c module/enrol_args.h \
	module/fork_guard.c module/fork_guard.h \
	module/helper_client.c module/helper_client.h \
	module/helper_proto.c module/helper_proto.h \
	module/options.c module/options.h \
	module/refusal.c module/refusal.h \
	module/return_to.c module/return_to.h \
	module/safe_file.c module/safe_file.h \
	module/scope.c module/scope.h \
	module/scope_first.c module/scope_first.h \
	module/session.c module/session.h \
	module/text.c module/text.h \
	module/tmdb_ids.c module/tmdb_ids.h \
	module/txn.c module/txn.h \
	module/userlog.c module/userlog.h \
	module/wipe.c module/wipe.h
# CURL_CFLAGS: headers only (txn.h names the client's types); nothing of libcurl is linked
module_pam_tmdb_la_CFLAGS = $(AM_CFLAGS) $(HARDEN_CFLAGS) -pthread -DTMDB_THIN_MODULE \
	-DTMDB_HELPER_PATH='"$(pkglibexecdir)/pam_tmdb_helper"' \
	$(CURL_CFLAGS) $(YAJL_CFLAGS) $(PAM_CFLAGS)
module_pam_tmdb_la_LDFLAGS = -module -avoid-version -no-undefined -shared -pthread \
	-Wl,--version-script=$(srcdir)/module/pam_tmdb.map -Wl,-z,relro -Wl,-z,now \
	-Wl,-z,nodelete
module_pam_tmdb_la_LIBADD = $(PAM_LIBS) -lpam

# pam_tmdb_core.so: the steps of a login in process, loaded by pam_tmdb.so from its own
# directory (core_loader.h). It exports only its five entry points (pam_tmdb_core.map).
module_pam_tmdb_core_la_SOURCES = module/pam_tmdb_core.c module/core_loader.h
module_pam_tmdb_core_la_CFLAGS = $(AM_CFLAGS) $(HARDEN_CFLAGS) $(PAM_CFLAGS)
module_pam_tmdb_core_la_LDFLAGS = -module -avoid-version -no-undefined -shared \
	-Wl,--version-script=$(srcdir)/module/pam_tmdb_core.map -Wl,-z,relro -Wl,-z,now \
	-Wl,-z,nodelete
module_pam_tmdb_core_la_LIBADD = module/libtmdb.la
EXTRA_DIST += module/pam_tmdb.map module/pam_tmdb_core.map module/layers.txt

# Installed PAM modules are loaded by path; the libtool archive is of no use there.
# (pamdir is a data directory for automake, so the module is installed by install-data.)
install-data-hook:
	rm -f $(DESTDIR)$(pamdir)/pam_tmdb.la $(DESTDIR)$(pamdir)/pam_tmdb_core.la
uninstall-hook:
	rm -f $(DESTDIR)$(pamdir)/pam_tmdb.so $(DESTDIR)$(pamdir)/pam_tmdb_core.so
