#!/usr/bin/env bash
# Set up streams on a fresh Fedora or Debian/Ubuntu machine.  Idempotent: run it as often as
# you like; it installs only what is missing.
#
#   scripts/setup.sh [--venv DIR] [--no-system] [--no-test-deps]
#
# 1. OS packages: rpm + rpmbuild (rpm-build on Fedora, rpm on Debian), the rpm Python bindings,
#    createrepo_c, dnf, graphviz, bubblewrap, gpg (signing), what the generated specs
#    build with on a non-Fedora host (pip, installer, setuptools, wheel for /usr/bin/python3),
#    what the koji client's gssapi needs, and what rpmlint (PyPI, installed with streams for
#    `streams lint`) runs: checkbashisms, libmagic, enchant with the en_US dictionary, binutils;
#    cargo and rust (`streams lock` vendors Rust sdists' crates), and for the vendoring tests
#    setuptools-rust and the itoa and ryu crates in the cargo directory registry
#    /usr/share/cargo/registry (Debian's librust-*-dev, Fedora's rust-*-devel).
#    Chromium (and, on Debian, a font) for the headless browser test of `streams report`.
# 2. A virtual environment (default .venv) made from the system Python, so the rpm shim from
#    PyPI finds the system's rpm bindings (they are built for that interpreter).
# 3. streams installed into it (editable) with its test extras, then a smoke import.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$here/.venv"
system=1
extras="[test]"
while [ $# -gt 0 ]; do
    case "$1" in
        --venv) venv=$2; shift 2 ;;
        --no-system) system=0; shift ;;
        --no-test-deps) extras=""; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "setup: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf 'setup: FAILED: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else fail "need root to run: $* (run as root or install sudo)"; fi
}

os_id=unknown; os_like=""
if [ -r /etc/os-release ]; then
    # shellcheck disable=SC1091
    . /etc/os-release
    os_id=${ID:-unknown}; os_like=${ID_LIKE:-}
fi

install_system() {
    case " $os_id $os_like " in
        *" fedora "*|*" rhel "*|*" centos "*)
            local pkgs=(rpm rpm-build python3-rpm createrepo_c dnf graphviz bubblewrap
                        python3 python3-devel python3-pip python3-installer python3-setuptools
                        python3-wheel gcc krb5-devel git gnupg2
                        devscripts-checkbashisms file-libs enchant2 hunspell-en-US binutils cpio
                        cargo rust python3-setuptools-rust rust-itoa-devel rust-ryu-devel
                        chromium)
            local missing=()
            for p in "${pkgs[@]}"; do rpm -q "$p" >/dev/null 2>&1 || missing+=("$p"); done
            if [ ${#missing[@]} -eq 0 ]; then step "OS packages: all present (dnf)"; return; fi
            step "OS packages: dnf install ${missing[*]}"
            as_root dnf install -y "${missing[@]}" || fail "dnf install ${missing[*]}"
            ;;
        *" debian "*|*" ubuntu "*)
            local pkgs=(rpm createrepo-c python3-rpm dnf graphviz bubblewrap
                        python3 python3-venv python3-dev python3-pip python3-installer
                        python3-setuptools python3-wheel gcc libkrb5-dev git gnupg
                        devscripts libmagic1 libenchant-2-2 hunspell-en-us binutils cpio
                        cargo rustc python3-setuptools-rust librust-itoa-dev librust-ryu-dev
                        chromium fonts-dejavu-core)
            local missing=()
            for p in "${pkgs[@]}"; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
                    || missing+=("$p")
            done
            if [ ${#missing[@]} -eq 0 ]; then step "OS packages: all present (apt)"; return; fi
            step "OS packages: apt-get install ${missing[*]}"
            as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
                || fail "apt-get update"
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                "${missing[@]}" || fail "apt-get install ${missing[*]}"
            ;;
        *)
            fail "unsupported OS '$os_id': install rpm, rpmbuild, the rpm Python bindings," \
                 "createrepo_c and dnf yourself, then run with --no-system"
            ;;
    esac
}

if [ $system -eq 1 ]; then install_system; else step "OS packages: skipped (--no-system)"; fi

for tool in rpm rpmbuild rpmspec createrepo_c; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not on PATH after installing OS packages"
done

# The rpm bindings are compiled for the system interpreter: build the venv from it.
py=/usr/bin/python3
[ -x "$py" ] || fail "/usr/bin/python3 is missing"
"$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || fail "streams needs Python >= 3.11; /usr/bin/python3 is $("$py" -V 2>&1)"
"$py" -c 'import rpm' 2>/dev/null || fail "the system Python cannot import rpm (python3-rpm)"

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import sys; sys.exit(sys.base_prefix != "/usr")' 2>/dev/null; then
    step "virtual environment: $venv (exists)"
else
    step "virtual environment: creating $venv from $py"
    rm -rf "$venv"
    "$py" -m venv "$venv" || fail "python3 -m venv $venv"
fi

step "installing streams$extras into $venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip \
    || fail "upgrading pip"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e "$here$extras" \
    || fail "pip install -e $here$extras"

step "checking the installation"
"$venv/bin/python" -c 'import rpm, solv, createrepo_c; print("rpm", rpm.__version__, "| libsolv ok | createrepo_c ok")' \
    || fail "rpm/solv/createrepo_c do not import in $venv"
"$venv/bin/streams" --version >/dev/null || fail "the streams command does not run"
"$venv/bin/rpmlint" --version >/dev/null || fail "rpmlint (PyPI) does not run in $venv"
step "ready: $venv/bin/streams ($("$venv/bin/streams" --version))"
