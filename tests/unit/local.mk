# SPDX-License-Identifier: BSD-3-Clause
## tests/unit/: C unit tests linked against the module's convenience library.
unit_cflags = $(AM_CFLAGS) -I$(top_srcdir)/tests/unit $(CURL_CFLAGS) $(YAJL_CFLAGS) $(PAM_CFLAGS)

check_PROGRAMS += tests/unit/test_options tests/unit/test_parsers tests/unit/test_captures tests/unit/test_dlsym \
	tests/unit/test_return_to tests/unit/test_return_request tests/unit/test_helper_proto tests/unit/test_journal \
	tests/unit/test_greeter tests/unit/test_approval_page tests/unit/test_enrol_record
tests_unit_test_enrol_record_SOURCES = tests/unit/test_enrol_record.c tests/unit/check.h
tests_unit_test_enrol_record_CFLAGS = $(unit_cflags)
tests_unit_test_enrol_record_LDADD = module/libtmdb.la
tests_unit_test_helper_proto_SOURCES = tests/unit/test_helper_proto.c tests/unit/check.h
tests_unit_test_helper_proto_CFLAGS = $(unit_cflags)
tests_unit_test_helper_proto_LDADD = module/libtmdb.la
tests_unit_test_options_SOURCES = tests/unit/test_options.c tests/unit/check.h
tests_unit_test_options_CFLAGS = $(unit_cflags)
tests_unit_test_options_LDADD = module/libtmdb.la
tests_unit_test_parsers_SOURCES = tests/unit/test_parsers.c tests/unit/check.h
tests_unit_test_parsers_CFLAGS = $(unit_cflags)
tests_unit_test_parsers_LDADD = module/libtmdb.la
tests_unit_test_captures_SOURCES = tests/unit/test_captures.c tests/unit/check.h
tests_unit_test_captures_CFLAGS = $(unit_cflags)
tests_unit_test_captures_LDADD = module/libtmdb.la $(YAJL_LIBS)
tests_unit_test_journal_SOURCES = tests/unit/test_journal.c tests/unit/check.h
tests_unit_test_journal_CFLAGS = $(unit_cflags)
tests_unit_test_journal_LDADD = module/libtmdb.la
tests_unit_test_return_to_SOURCES = tests/unit/test_return_to.c tests/unit/check.h
tests_unit_test_return_to_CFLAGS = $(unit_cflags)
tests_unit_test_return_to_LDADD = module/libtmdb.la
tests_unit_test_greeter_SOURCES = tests/unit/test_greeter.c tests/unit/check.h
tests_unit_test_greeter_CFLAGS = $(unit_cflags)
tests_unit_test_greeter_LDADD = module/libtmdb.la
# tmdb-login's judge of the browser's return (login/), built with the test, not the module
tests_unit_test_return_request_SOURCES = tests/unit/test_return_request.c tests/unit/check.h \
	login/return_request.c login/return_request.h
tests_unit_test_return_request_CFLAGS = $(unit_cflags) -I$(top_srcdir)/login
# tmdb-login's private page for the browser (login/approval_page.h)
tests_unit_test_approval_page_SOURCES = tests/unit/test_approval_page.c tests/unit/check.h \
	login/approval_page.c login/approval_page.h login/text.c
tests_unit_test_approval_page_CFLAGS = $(unit_cflags) -I$(top_srcdir)/login
tests_unit_test_dlsym_SOURCES = tests/unit/test_dlsym.c tests/unit/check.h
tests_unit_test_dlsym_CFLAGS = $(unit_cflags)
tests_unit_test_dlsym_LDADD = -ldl

TESTS += tests/unit/test_options tests/unit/test_parsers tests/unit/test_captures tests/unit/test_dlsym \
	tests/unit/test_return_to tests/unit/test_return_request tests/unit/test_helper_proto tests/unit/test_journal \
	tests/unit/test_greeter tests/unit/test_approval_page tests/unit/test_enrol_record tests/unit/test_layers.sh \
	tests/unit/test_spdx.sh tests/unit/test_thin_module.sh
dist_noinst_SCRIPTS += tests/unit/test_layers.sh scripts/check-layers.py tests/unit/test_spdx.sh scripts/check-spdx.py \
	tests/unit/test_thin_module.sh

# The recorded TMDb responses that test_captures reads (tests/data/tmdb-captures/README.md).
EXTRA_DIST += \
	tests/data/tmdb-captures/README.md \
	tests/data/tmdb-captures/GET_3_account.json \
	tests/data/tmdb-captures/GET_3_authentication.json \
	tests/data/tmdb-captures/GET_3_authentication_guest_session_new.json \
	tests/data/tmdb-captures/GET_3_authentication_session_new.json \
	tests/data/tmdb-captures/GET_3_authentication_token_new.json \
	tests/data/tmdb-captures/GET_3_authentication_token_validate_with_login.json

# What every test sees: where the built pieces and the recorded responses are.
AM_TESTS_ENVIRONMENT = \
	TMDB_CAPTURES_DIR='$(abs_top_srcdir)/tests/data/tmdb-captures'; export TMDB_CAPTURES_DIR; \
	TMDB_BUILDDIR='$(abs_top_builddir)'; export TMDB_BUILDDIR; \
	TMDB_SRCDIR='$(abs_top_srcdir)'; export TMDB_SRCDIR; \
	PAM_TMDB_SO='$(abs_top_builddir)/module/.libs/pam_tmdb.so'; export PAM_TMDB_SO;
