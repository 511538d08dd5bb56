#!/usr/bin/env bash
# `make install` and the Debian package (docs/guide/install.md), from the
# build under test (no rebuild): `make install PREFIX DESTDIR` puts every
# file under DESTDIR/PREFIX with the units naming PREFIX's binary; the .deb
# holds the binary, every man page, both completions, the docs, the units
# and the sysusers entry; lintian finds no error; dpkg -i into a scratch root
# (whose dpkg database is a copy of this machine's, so the Depends must be
# met by this machine's packages) runs the postinst (the user tidemark),
# `tidemark version` and `man -w tidemark-backup` work, and dpkg --purge
# removes every file it installed. This machine is left as it was.
# Usage: package_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: package_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"
for tool in dpkg dpkg-deb dpkg-shlibdeps lintian man make; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing: run scripts/install-deps"; exit 1; }
done
build=$(dirname "$T")
dpkg_cmd=(dpkg)
[ "$(id -u)" -eq 0 ] || dpkg_cmd=(fakeroot dpkg --force-not-root)
host_state() {  # what must not change on this machine
  md5sum /var/lib/dpkg/status /etc/passwd /etc/group
  dpkg-query -W -f='${Status}\n' tidemark 2>&1
  ls /usr/share/man/man1 | grep -c '^tidemark' || true
}
host_before=$(host_state)

# 1. make install, elsewhere than /usr.
make -s -C "$here" install BUILD="$build" PREFIX=/opt/tm DESTDIR="$work/dest" >install.out 2>&1
check_eq "$?" 0 "make install PREFIX=/opt/tm DESTDIR=..."
dest="$work/dest/opt/tm"
for f in bin/tidemark share/man/man1/tidemark.1 share/man/man1/tidemark-backup.1 \
  share/bash-completion/completions/tidemark share/zsh/site-functions/_tidemark \
  lib/systemd/system/tidemark-backup@.service lib/systemd/system/tidemark-drill.timer \
  lib/sysusers.d/tidemark.conf share/doc/tidemark/README.md share/doc/tidemark/guide/install.md; do
  if [ -f "$dest/$f" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: make install: no $f under DESTDIR/PREFIX"; fi
done
contains "$dest/lib/systemd/system/tidemark-backup@.service" "ExecStart=/opt/tm/bin/tidemark --config" \
  "installed unit names PREFIX's binary"
expect 0 "installed binary runs" -- "$dest/bin/tidemark" version
check_eq "$(find "$work/dest" -mindepth 1 -maxdepth 1)" "$work/dest/opt" "make install writes only under PREFIX"

# 2. The package.
if ! bash "$here/packaging/build-deb" "$build" "$work/debs" >deb.out 2>deb.err; then
  failed=$((failed + 1)); echo "FAIL: packaging/build-deb:"; sed 's/^/  /' deb.err
  finish package_test
  exit 1
fi
deb=$(tail -1 deb.out)
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./||' >contents
for page in "$build"/generated/man1/*.1; do
  contains contents "usr/share/man/man1/$(basename "$page").gz" "package has $(basename "$page")"
done
for f in usr/bin/tidemark usr/share/bash-completion/completions/tidemark \
  usr/share/zsh/vendor-completions/_tidemark lib/systemd/system/tidemark-backup@.service \
  lib/systemd/system/tidemark-backup@.timer lib/systemd/system/tidemark-drill.service \
  lib/systemd/system/tidemark-drill.timer usr/lib/sysusers.d/tidemark.conf \
  usr/share/doc/tidemark/copyright usr/share/doc/tidemark/changelog.gz \
  usr/share/doc/tidemark/guide/doctor.md; do
  if grep -qxF "$f" contents; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: package has no $f"; fi
done
dpkg-deb -f "$deb" Depends >depends
for lib in libsodium libzstd libssl libsqlite3 libtomlplusplus libstdc++; do
  contains depends "$lib" "Depends names $lib"
done

# 3. lintian: no errors.
lintian --fail-on error "$deb" >lintian.out 2>lintian.err
check_eq "$?" 0 "lintian --fail-on error"
check_eq "$(grep -c '^E:' lintian.out)" 0 "lintian errors: $(grep '^E:' lintian.out | head -3)"

# 4. dpkg -i into a scratch root that knows this machine's packages.
root="$work/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers" "$root/etc"
cp /var/lib/dpkg/status "$root/var/lib/dpkg/status"
for p in $(dpkg-query -W -f='${binary:Package}\n'); do : >"$root/var/lib/dpkg/info/$p.list"; done
dpkg_root() { "${dpkg_cmd[@]}" --root="$root" --force-script-chrootless --log="$work/dpkg.log" "$@"; }
dpkg_root -i "$deb" >dpkg.out 2>&1
check_eq "$?" 0 "dpkg -i (Depends met by this machine): $(grep -i 'error\|depend' dpkg.out | head -3)"
check_eq "$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' tidemark)" \
  "install ok installed" "installed in the scratch root"
expect 0 "tidemark version" -- "$root/usr/bin/tidemark" version
contains out "tidemark " "version printed"
MANPATH="$root/usr/share/man" man -w tidemark-backup >man.out 2>&1
check_eq "$(cat man.out)" "$root/usr/share/man/man1/tidemark-backup.1.gz" "man -w tidemark-backup"
MANPATH="$root/usr/share/man" MANWIDTH=120 man -E ascii tidemark-backup 2>/dev/null | col -b >man.txt
contains man.txt "--fail-on-anomaly" "man tidemark-backup renders the flags"
check_eq "$(grep '^tidemark:' "$root/etc/passwd" | cut -d: -f1,6)" "tidemark:/var/lib/tidemark" \
  "postinst created the user tidemark"

# 5. dpkg --purge: every file it installed is gone.
dpkg_root --purge tidemark >purge.out 2>&1
check_eq "$?" 0 "dpkg --purge"
left=""
while read -r f; do
  [ -n "$f" ] && [ ! -d "$root/$f" ] && [ -e "$root/$f" ] && left="$left $f"
done <contents
check_eq "$left" "" "no packaged file left after purge"
check_eq "$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' tidemark 2>/dev/null)" \
  "" "purged from the scratch root's database"

# 6. This machine was not touched.
check_eq "$(host_state)" "$host_before" "this machine's dpkg database and users unchanged"

finish package_test
