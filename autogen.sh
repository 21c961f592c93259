#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Regenerates configure and Makefile.in from configure.ac / Makefile.am.
set -e
cd "$(dirname "$0")"
autoreconf --install --force --warnings=all
