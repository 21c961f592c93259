# SPDX-License-Identifier: BSD-3-Clause
## man/: the manual pages, shipped and installed.
dist_man_MANS = man/pam_tmdb.8 man/pam_tmdb.conf.5 man/tmdb-login.1 man/pam_tmdb_helper.8 man/tmdbctl.8
