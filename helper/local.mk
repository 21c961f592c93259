# SPDX-License-Identifier: BSD-3-Clause
## helper/: pam_tmdb_helper, the setgid helper for hosts that run as an ordinary user. It links
## the module's own code (module/libtmdb.la, the same objects as pam_tmdb.so) and only system
## libraries; libtool links the convenience library statically.
if HAVE_PAM_START_CONFDIR
pkglibexec_PROGRAMS = helper/pam_tmdb_helper
endif
helper_pam_tmdb_helper_SOURCES = \
	helper/main.c \
	helper/module_data.c helper/module_data.h \
	helper/outcome.c helper/outcome.h \
	helper/harden.c helper/harden.h \
	helper/relay.c helper/relay.h \
	helper/serve.c helper/serve.h \
	helper/trust.c helper/trust.h
helper_pam_tmdb_helper_CFLAGS = $(AM_CFLAGS) $(HARDEN_CFLAGS) -pthread $(PAM_CFLAGS)
helper_pam_tmdb_helper_LDFLAGS = -pthread -Wl,-z,relro -Wl,-z,now
helper_pam_tmdb_helper_LDADD = module/libtmdb.la

# The helper must be setgid to the group that may read the key (pam_tmdb_helper(8)). As root,
# with that group present, make install sets it; otherwise it says what the administrator must do.
HELPER_GROUP = pam_tmdb
# A staged install (DESTDIR, as a package build does) leaves the modes to the package.
install-exec-hook:
	@h='$(DESTDIR)$(pkglibexecdir)/pam_tmdb_helper'; \
	if test -f "$$h" && test -z '$(DESTDIR)'; then \
	  if test "`id -u`" = 0 && getent group $(HELPER_GROUP) >/dev/null 2>&1; then \
	    chown root:$(HELPER_GROUP) "$$h" && chmod 2755 "$$h" && \
	    echo "pam_tmdb_helper: installed setgid $(HELPER_GROUP) ($$h)"; \
	  else \
	    echo "*** pam_tmdb_helper: for hosts that run as an ordinary user, run as root:"; \
	    echo "***   groupadd --system $(HELPER_GROUP)"; \
	    echo "***   chown root:$(HELPER_GROUP) $$h && chmod 2755 $$h"; \
	    echo "***   chown root:$(HELPER_GROUP) $(sysconfdir)/security/pam_tmdb.conf && chmod 0640 $(sysconfdir)/security/pam_tmdb.conf"; \
	  fi; \
	fi
