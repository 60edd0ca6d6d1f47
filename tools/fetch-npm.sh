#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fetch an npm package tarball by exact version, check its sha256 and unpack it
# into the gst-fer cache. Prints the unpacked package directory on stdout.
# Nothing is downloaded when the verified tarball is already cached.
#
#   tools/fetch-npm.sh NAME@VERSION SHA256
#
# Cache: $FER_CACHE_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/gst-fer.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 NAME@VERSION SHA256" >&2
  exit 2
fi
spec=$1
want=$2
cache=${FER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gst-fer}
# npm names its tarball after the package: @scope/name@1.0 -> scope-name-1.0.tgz
tgz_name=$(printf '%s' "${spec%@*}-${spec##*@}" | sed -e 's|^@||' -e 's|/|-|').tgz
tgz=$cache/npm/$tgz_name
unpacked=$cache/pkg/${tgz_name%.tgz}

verify() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$want" ]; }

mkdir -p "$cache/npm" "$cache/pkg"
if ! verify "$tgz"; then
  command -v npm >/dev/null || { echo "fetch-npm: npm is needed to fetch $spec" >&2; exit 1; }
  tmp=$(mktemp -d "$cache/npm/.fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "fetch-npm: downloading $spec" >&2
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  got=$(sha256sum "$tmp/$tgz_name" | cut -d' ' -f1)
  if [ "$got" != "$want" ]; then
    echo "fetch-npm: $spec: sha256 mismatch: got $got, expected $want" >&2
    exit 1
  fi
  mv "$tmp/$tgz_name" "$tgz"
  rm -rf "$unpacked"
fi
if [ ! -f "$unpacked/.complete" ]; then
  rm -rf "$unpacked" && mkdir -p "$unpacked"
  tar -xzf "$tgz" -C "$unpacked" --strip-components=1
  touch "$unpacked/.complete"
fi
echo "$unpacked"
