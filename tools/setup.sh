#!/bin/sh
# setup.sh - install every Debian package the project needs.
#
#   tools/setup.sh          install what is missing (apt-get; sudo when not root)
#   tools/setup.sh --check  only report; exit 1 if something is missing
#
# `make run` and `make test` call this by themselves when a tool is missing,
# so on a fresh Debian 12 machine nothing needs installing by hand.
set -eu

# command-or-file : package
NEEDS="
qemu-system-x86_64:qemu-system-x86
nasm:nasm
grub-mkrescue:grub-common
/usr/lib/grub/i386-pc/modinfo.sh:grub-pc-bin
/usr/lib/grub/x86_64-efi/modinfo.sh:grub-efi-amd64-bin
xorriso:xorriso
mformat:mtools
/usr/include/efi/efi.h:gnu-efi
/usr/share/OVMF/OVMF_CODE_4M.fd:ovmf
gdb:gdb
python3:python3
gcc:gcc
make:make
ld.lld:lld
clang:clang
/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev
cppcheck:cppcheck
"

missing=""
for need in $NEEDS; do
    what=${need%%:*}
    package=${need#*:}
    case "$what" in
        /*) [ -e "$what" ] && continue ;;
        *) command -v "$what" >/dev/null 2>&1 && continue ;;
    esac
    case " $missing " in *" $package "*) ;; *) missing="$missing $package" ;; esac
done

if [ -z "$missing" ]; then
    exit 0
fi
if [ "${1:-}" = "--check" ]; then
    echo "setup: missing packages:$missing" >&2
    exit 1
fi

echo "setup: installing$missing"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
