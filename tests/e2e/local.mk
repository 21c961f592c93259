# SPDX-License-Identifier: BSD-3-Clause
## tests/e2e/: end-to-end tests (pytest) driving real PAM hosts against the TMDb stand-in.
if HAVE_MHD
TESTS += tests/e2e/run-pytest.sh
endif
dist_noinst_SCRIPTS += tests/e2e/run-pytest.sh
EXTRA_DIST += \
	tests/e2e/conftest.py \
	tests/e2e/listeners.py \
	tests/e2e/pamhost.py \
	tests/e2e/standin.py \
	tests/e2e/test_auth_flow.py \
	tests/e2e/test_greeter_rule.py \
	tests/e2e/test_binding.py \
	tests/e2e/test_bindings.py \
	tests/e2e/test_concurrency.py \
	tests/e2e/test_config.py \
	tests/e2e/test_host.py \
	tests/e2e/test_inherit.py \
	tests/e2e/journal_helpers.py \
	tests/e2e/test_journal.py \
	tests/e2e/test_tmdbctl.py \
	tests/e2e/test_tmdbctl_check.py \
	tests/e2e/test_lifecycle.py \
	tests/e2e/test_network.py \
	tests/e2e/test_options_and_refusals.py \
	tests/e2e/test_secrets.py \
	tests/e2e/test_hostile.py \
	tests/e2e/test_setuid_host.py \
	tests/e2e/test_standin.py \
	tests/e2e/test_trust_model.py \
	tests/e2e/test_stacks.py \
	tests/e2e/test_messages.py \
	tests/e2e/test_paths.py \
	tests/e2e/test_thin_module.py \
	tests/e2e/test_v4.py \
	tests/e2e/helperenv.py \
	tests/e2e/test_helper.py \
	tests/e2e/test_helper_direct.py \
	tests/e2e/test_helper_journal.py \
	tests/e2e/test_helper_login.py \
	tests/e2e/test_enrol.py \
	tests/e2e/test_enrol_sshd.py \
	tests/e2e/test_helper_vlock.py \
	tests/e2e/test_unrecorded_answers.py \
	tests/e2e/test_http2.py \
	tests/e2e/h2front.py \
	tests/e2e/test_return_to.py \
	tests/e2e/test_browser_pages.py \
	tests/e2e/test_browser_roundtrip.py \
	tests/browser/tmdb_browser.py \
	tests/e2e/test_sshd.py \
	tests/e2e/sshd.py \
	tests/e2e/test_noninteractive.py \
	tests/e2e/test_tmdb_login.py \
	tests/e2e/fake_browser.py \
	tests/e2e/tmdbpam.py \
	tests/e2e/tsan.supp
AM_TESTS_ENVIRONMENT += \
	TMDB_SANITIZERS='$(ENABLE_SANITIZERS)'; export TMDB_SANITIZERS;
