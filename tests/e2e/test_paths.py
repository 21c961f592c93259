# SPDX-License-Identifier: BSD-3-Clause
"""One set of paths: the files the built module reads by default are the ones the manual pages
name in FILES (pam_tmdb(8), pam_tmdb.conf(5)), and the ones the build installs its
configuration into. The configuration directory is /etc/security whatever the prefix
(configure --with-securitydir changes it; the pages document the default)."""

import re
from pathlib import Path

import pytest

from pamhost import SRCDIR, builddir
from tmdbpam import module_path

DEFAULT_SECURITYDIR = "/etc/security"
# where the Debian package puts the examples; no default of the module
DOC_DIR = "/usr/share/doc/libpam-tmdb/examples/"


def build_securitydir():
    text = (Path(builddir()) / "config.h").read_text()
    return re.search(r'#define TMDB_SECURITYDIR "([^"]*)"', text).group(1)


def files_section_paths(page):
    text = (Path(SRCDIR) / "man" / page).read_text()
    section = re.search(r"^\.SH FILES\n(.*?)^\.SH ", text, re.S | re.M).group(1)
    return {p.replace("\\-", "-") for p in re.findall(r"^\.IR? (/\S+)", section, re.M)}


def module_default_paths():
    """The absolute paths compiled into the module: its defaults (options.c)."""
    data = Path(module_path()).read_bytes()
    return {m.decode() for m in re.findall(rb"(?<=\x00)/(?:etc|var|usr/local)/[\x21-\x7e]+(?=\x00)", data)}


# The helper is an installed program: its default follows the build's $(libexecdir), which the
# pages write as such (the package's is /usr/libexec)
HELPER_TAIL = "/libexec/pam_tmdb/pam_tmdb_helper"
HELPER_DOC = "$(libexecdir)/pam_tmdb/pam_tmdb_helper"


def files_section(page):
    text = (Path(SRCDIR) / "man" / page).read_text()
    return re.search(r"^\.SH FILES\n(.*?)^\.SH ", text, re.S | re.M).group(1)


def test_build_reads_what_the_manual_pages_say():
    if build_securitydir() != DEFAULT_SECURITYDIR:
        pytest.skip("built with --with-securitydir=%s; the pages document %s" % (build_securitydir(),
                                                                                DEFAULT_SECURITYDIR))
    module = module_default_paths()
    assert "/etc/security/pam_tmdb.conf" in module and "/etc/security/pam_tmdb.users" in module, module
    helper = {p for p in module if p.endswith(HELPER_TAIL)}
    assert len(helper) == 1, "the module's default helper: %s" % sorted(module)
    module -= helper
    for page in ("pam_tmdb.8", "pam_tmdb.conf.5"):
        documented = {p.rstrip("/") for p in files_section_paths(page) if not p.startswith("/usr/share/doc/")}
        assert documented == module, "%s FILES says %s, the built module uses %s" % (page, sorted(documented),
                                                                                    sorted(module))
        assert HELPER_DOC in files_section(page), "%s FILES does not name %s" % (page, HELPER_DOC)


def test_examples_path_is_the_same_everywhere():
    """The examples directory is spelled one way in every document."""
    for doc in ["README.md", "man/pam_tmdb.8", "man/pam_tmdb.conf.5", "man/tmdb-login.1"]:
        text = (Path(SRCDIR) / doc).read_text().replace("\\-", "-")
        for p in re.findall(r"/usr/share/doc/[^\s)`]*", text):
            assert p.startswith(DOC_DIR), "%s names %s, not %s" % (doc, p, DOC_DIR)


def test_install_goes_where_the_module_reads():
    mk = (Path(builddir()) / "Makefile").read_text()
    assert re.search(r"^SECURITYDIR = %s$" % re.escape(build_securitydir()), mk, re.M), "SECURITYDIR"
    assert re.search(r"^pamtmdb_confdir = \$\(SECURITYDIR\)$", mk, re.M), "conf/local.mk installs elsewhere"


def test_the_core_the_pages_name_is_the_one_the_module_loads():
    """pam_tmdb(8) FILES names the core; the built module loads a file of that name, and the
    build puts it beside the module (module/core_loader.h)."""
    core = "pam_tmdb_core.so"
    assert re.search(r"^\.B %s$" % re.escape(core), files_section("pam_tmdb.8"), re.M), "FILES does not name " + core
    assert b"\x00" + core.encode() + b"\x00" in Path(module_path()).read_bytes()
    assert (Path(module_path()).parent / core).is_file()
