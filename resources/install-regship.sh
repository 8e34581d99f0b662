#!/usr/bin/env bash
# Installs regship in a CodeBuild build from the release archive in the account's artifact
# bucket: REGSHIP_ARCHIVE (s3://bucket/key, from the kit's RegshipArchive parameter) is
# downloaded, its SHA-256 checked against REGSHIP_SHA256 (the kit's RegshipArchiveSha256
# parameter, pinned when the archive was made), and only then unpacked into INSTALL_DIR
# (default /usr/local/bin). Nothing is installed when the checksum differs.
set -euo pipefail

install_dir="${INSTALL_DIR:-/usr/local/bin}"
if [ -z "${REGSHIP_ARCHIVE:-}" ] || [ -z "${REGSHIP_SHA256:-}" ]; then
  echo "REGSHIP_ARCHIVE and REGSHIP_SHA256 must both be set (the beta kit's RegshipArchive and RegshipArchiveSha256 parameters)" >&2
  exit 1
fi
if ! [[ "$REGSHIP_SHA256" =~ ^[0-9a-f]{64}$ ]]; then
  echo "REGSHIP_SHA256 is not a SHA-256 (64 lowercase hexadecimal digits): $REGSHIP_SHA256" >&2
  exit 1
fi

download="$(mktemp -d)"
trap 'rm -rf "$download"' EXIT
aws s3 cp --only-show-errors "$REGSHIP_ARCHIVE" "$download/regship.tar.gz"
actual="$(sha256sum "$download/regship.tar.gz" | cut -d' ' -f1)"
if [ "$actual" != "$REGSHIP_SHA256" ]; then
  echo "$REGSHIP_ARCHIVE has SHA-256 $actual, not the pinned $REGSHIP_SHA256: not installed" >&2
  exit 1
fi
tar -xzf "$download/regship.tar.gz" -C "$download" regship
install -m 0755 "$download/regship" "$install_dir/regship"
echo "installed regship from $REGSHIP_ARCHIVE (SHA-256 $actual): $("$install_dir/regship" --version)"
