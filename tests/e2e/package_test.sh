#!/usr/bin/env bash
# The Debian package: `cpack -G DEB` builds it from the build tree; its contents are the FHS
# paths, the config is a conffile, Depends came from dpkg-shlibdeps, and the extracted binary
# runs (--version, and --check-config on the shipped config).
# usage: package_test.sh BINARY_DIR
set -euo pipefail
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cpack --config "$bin/CPackConfig.cmake" -G DEB -B "$work/out" > "$work/cpack.log" \
  || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/queuemon_*.deb)
dpkg-deb -c "$deb" > "$work/contents"
for path in ./usr/bin/queuemond ./lib/systemd/system/queuemond.service ./etc/queuemon/queuemond.json; do
  grep -q " $path\$" "$work/contents" || { echo "missing $path"; cat "$work/contents"; exit 1; }
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/queuemon/queuemond.json
dpkg-deb -f "$deb" Depends | grep -q libhiredis
dpkg -x "$deb" "$work/root"
"$work/root/usr/bin/queuemond" --version | grep -q "^queuemond "
"$work/root/usr/bin/queuemond" --config "$work/root/etc/queuemon/queuemond.json" --check-config \
  | grep -qx OK
echo "package_test: OK ($(basename "$deb"))"
