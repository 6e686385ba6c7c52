#!/usr/bin/env bash
# Unpacks Debian's source package SOURCE at the version of the installed binary package BINARY
# (so, with Debian's patches, the very code that package was built from) into DEST.
#
# Usage: tools/fetch_debian_source.sh SOURCE BINARY DEST
#   e.g. tools/fetch_debian_source.sh redis redis-server build/redis-src
# Needs no root and leaves the system's apt configuration alone: the deb-src index is read into a
# private directory. Does nothing when DEST already holds the right version.
set -euo pipefail
source_package=${1:?usage: $0 SOURCE BINARY DEST}
binary_package=${2:?usage: $0 SOURCE BINARY DEST}
dest=$(realpath -m "${3:?usage: $0 SOURCE BINARY DEST}")
version=$(dpkg-query -W -f='${Version}' "$binary_package")
if [[ -f "$dest/.memkv-version" && $(cat "$dest/.memkv-version") == "$version" ]]; then
  exit 0
fi
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
for suite in "$codename" "$codename-updates"; do
  echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian $suite main"
done >"$work/sources.list"
echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian-security $codename-security main" \
  >>"$work/sources.list"
apt_options=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Debug::NoLocking=1
  -o APT::Sandbox::User=root)
apt-get "${apt_options[@]}" update -qq
(cd "$work" && apt-get "${apt_options[@]}" source -qq --download-only \
  "$source_package=$version")
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
(cd "$work" && dpkg-source --no-check -x "${source_package}"_*.dsc "$dest" >/dev/null)
echo "$version" >"$dest/.memkv-version"
echo "$source_package $version source in $dest"
