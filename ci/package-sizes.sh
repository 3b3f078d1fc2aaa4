#!/usr/bin/env bash
# The disk size of a package set as apt would install it on a system with nothing installed:
# apt-get simulates the install (no Recommends, as ci/install-deps.sh installs) against an empty
# package status, and the Installed-Size fields of every package it would install, the set and
# its whole dependency closure (with the alternatives apt picks), are summed. Essential packages
# that every Debian system already has (libc6, ...) are counted too, so the figure is an upper
# bound for a real machine. Needs only apt's package lists (apt-get update); installs nothing.
#   ci/package-sizes.sh            the main set (ci/install-deps.sh)
#   ci/package-sizes.sh --test     the main set and the test toolchain (ci/install-deps.sh --test)
#   ci/package-sizes.sh PKG...     any list
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
case "${1:-}" in
  "") read -r -a set <<<"$("$here/install-deps.sh" --list | tr '\n' ' ') npm" ;;
  --test) read -r -a set <<<"$( ("$here/install-deps.sh" --list; "$here/install-deps.sh" --list-test) | tr '\n' ' ') npm" ;;
  *) set=("$@") ;;
esac
# name=version of each package apt would install.
mapfile -t planned < <(apt-get -s -o Dir::State::status=/dev/null install --no-install-recommends \
  "${set[@]}" 2>/dev/null | sed -nE 's/^Inst ([^ ]+) \(([^ ]+) .*/\1=\2/p')
[ ${#planned[@]} -gt 0 ] || { echo "package-sizes: apt-get planned nothing (run apt-get update?)" >&2; exit 1; }
kib=$(apt-cache show --no-all-versions "${planned[@]}" 2>/dev/null |
      awk '/^Package: /{p=$2} /^Installed-Size: /{if (!(p in seen)) {seen[p]=1; s+=$2}} END{print s}')
echo "${#set[@]} packages asked, ${#planned[@]} installed with dependencies, $((kib / 1024)) MiB (${kib} KiB)"
