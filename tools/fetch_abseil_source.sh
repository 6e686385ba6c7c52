#!/usr/bin/env bash
# Unpacks the Debian source package of the installed libabsl-dev (the same version, with Debian's
# patches, so its headers are byte for byte the installed ones) into DEST, for the ThreadSanitizer
# build: Debian's Abseil libraries are not built with -fsanitize=thread, so TSan cannot see the
# absl::Mutex locks inside them and reports every access they guard as a race. CMakeLists.txt
# (MEMKV_TSAN) compiles the Abseil targets memkv links from this source, instrumented.
#
# Usage: tools/fetch_abseil_source.sh DEST   (tools/run_tests.sh uses build-tsan/abseil-src)
# Needs no root and leaves the system's apt configuration alone: the deb-src index is read into a
# private directory. Does nothing when DEST already holds the right version.
set -euo pipefail
dest=$(realpath -m "${1:?usage: $0 DEST}")
version=$(dpkg-query -W -f='${Version}' libabsl-dev)
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
# apt-get verifies the files against the signed index; dpkg-source applies Debian's patches.
(cd "$work" && apt-get "${apt_options[@]}" source -qq --download-only "abseil=$version")
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
# dpkg-source also leaves a copy of the upstream tarball beside DEST (in its parent directory).
(cd "$work" && dpkg-source --no-check -x abseil_*.dsc "$dest" >/dev/null)
echo "$version" >"$dest/.memkv-version"
echo "Abseil $version source in $dest"
