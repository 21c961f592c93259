#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# pam_tmdb.so is thin (module/core_loader.h): no NEEDED entry for libcurl, yajl or libqrencode,
# so a host run by an ordinary user, which goes through pam_tmdb_helper, never loads them; the
# core beside it does need libcurl and yajl (the check sees the libraries it looks for).
builddir=${TMDB_BUILDDIR:-.}
thin=${PAM_TMDB_SO:-$builddir/module/.libs/pam_tmdb.so}
core=$(dirname "$thin")/pam_tmdb_core.so
rc=0
n=0
say() { n=$((n + 1)); echo "$1 $n - $2"; [ "$1" = ok ] || rc=1; }
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
thin_needed=$(needed "$thin") || { echo "not ok 1 - readelf -d $thin"; echo "1..1"; exit 1; }
core_needed=$(needed "$core") || { echo "not ok 1 - readelf -d $core"; echo "1..1"; exit 1; }
for lib in libcurl libyajl libqrencode; do
	if echo "$thin_needed" | grep -q "^$lib\."; then
		say "not ok" "pam_tmdb.so needs $lib: $(echo "$thin_needed" | tr '\n' ' ')"
	else
		say ok "pam_tmdb.so does not need $lib"
	fi
done
for lib in libcurl libyajl; do
	if echo "$core_needed" | grep -q "^$lib\."; then
		say ok "pam_tmdb_core.so needs $lib"
	else
		say "not ok" "pam_tmdb_core.so does not need $lib: $(echo "$core_needed" | tr '\n' ' ')"
	fi
done
echo "1..$n"
exit $rc
