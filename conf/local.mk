# SPDX-License-Identifier: BSD-3-Clause
## conf/: example configuration, shipped and installed.
# The examples go to $(docdir)/examples; the configuration file itself is
# installed only when none exists yet: an administrator's file is never
# overwritten, and uninstall removes it only while it is still the example.
confexampledir = $(docdir)/examples
dist_confexample_DATA = conf/pam_tmdb.conf.example conf/tmdb.pam.example conf/tmdb-enroll.pam.example

# the directory the module reads (configure --with-securitydir, /etc/security by default)
pamtmdb_confdir = $(SECURITYDIR)
pamtmdb_conffile = $(DESTDIR)$(pamtmdb_confdir)/pam_tmdb.conf

install-data-local: install-pam-tmdb-conf
uninstall-local: uninstall-pam-tmdb-conf

install-pam-tmdb-conf:
	@$(MKDIR_P) '$(DESTDIR)$(pamtmdb_confdir)'
	@if test -e '$(pamtmdb_conffile)' || test -h '$(pamtmdb_conffile)'; then \
	  echo " keeping existing $(pamtmdb_conffile)"; \
	else \
	  echo " $(INSTALL) -m 0600 '$(srcdir)/conf/pam_tmdb.conf.example' '$(pamtmdb_conffile)'"; \
	  $(INSTALL) -m 0600 '$(srcdir)/conf/pam_tmdb.conf.example' '$(pamtmdb_conffile)' || exit 1; \
	fi

uninstall-pam-tmdb-conf:
	@if test -f '$(pamtmdb_conffile)' && test ! -h '$(pamtmdb_conffile)' && \
	    cmp -s '$(srcdir)/conf/pam_tmdb.conf.example' '$(pamtmdb_conffile)'; then \
	  echo " rm -f '$(pamtmdb_conffile)'"; \
	  rm -f '$(pamtmdb_conffile)'; \
	elif test -e '$(pamtmdb_conffile)'; then \
	  echo " keeping modified $(pamtmdb_conffile)"; \
	fi

.PHONY: install-pam-tmdb-conf uninstall-pam-tmdb-conf
