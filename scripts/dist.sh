#!/usr/bin/env bash
# The Linux release archive of regship (`make dist`): BINARY as the release build made it (its
# compressed line tables kept, so that a panic in CodeBuild names file and line, as build.rs
# intends), packed alone as regship-VERSION-linux-x86_64.tar.gz in OUT_DIR, with its SHA-256
# beside it and printed. Pin that checksum where the beta kit reads it (its RegshipArchiveSha256 parameter):
# the archive's own .sha256 file travels with it, so it proves nothing on its own.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 BINARY VERSION OUT_DIR" >&2
  exit 2
fi
binary="$1" version="$2" out="$3"
name="regship-$version-linux-x86_64.tar.gz"

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
cp "$binary" "$staging/regship"
chmod 0755 "$staging/regship"
mkdir -p "$out"
# The same binary gives the same archive: fixed order, owner and time.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
  -C "$staging" -cf - regship | gzip -n -9 > "$out/$name"
(cd "$out" && sha256sum "$name" > "$name.sha256")
echo "$out/$name"
cat "$out/$name.sha256"
