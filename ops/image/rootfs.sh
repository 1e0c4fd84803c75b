#!/usr/bin/env bash
# Builds the file system the container image adds on top of `scratch` (run by `./mvnw package`, before Jib):
#   /opt/java      a Java runtime linked (jlink) from the JDK that runs the build, with just the modules Bookwell uses
#   /lib*, /usr/lib*  the shared libraries that runtime needs, copied from this machine (ldd), and nothing else
#   /etc/passwd, /etc/group  the unprivileged user the service runs as (bookwell, uid and gid 10001)
#   /tmp           writable scratch space (Vert.x's file cache, the key files of a one-node demo)
# No shell, no package manager: nothing in the image but the service and what it needs to run.
set -euo pipefail
out=$1
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
modules=java.base,java.desktop,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,\
jdk.unsupported,jdk.management,jdk.naming.dns,jdk.localedata,jdk.zipfs,jdk.crypto.cryptoki,jdk.crypto.ec

rm -rf "$out"
mkdir -p "$out/opt" "$out/etc" "$out/tmp"
# (jdk.crypto.ec holds ES256 up to JDK 21; from 22 it is in java.base, and the filter drops what a JDK lacks)
modules=$("$java_home/bin/java" --list-modules | sed 's/@.*//' | grep -Fx -f <(tr , '\n' <<<"$modules") | paste -sd,)
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --output "$out/opt/java"

# headless: no X11 windows, splash screen or sound (and none of the libraries they would drag in)
rm -f "$out"/opt/java/lib/{libawt_xawt,libsplashscreen,libjsound}.so

# every shared library the runtime's binaries load, and the dynamic loader itself
find "$out/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 |
  xargs -0 ldd 2>/dev/null |
  awk '/=> \// { print $3 } /^\t\/[^ ]*ld-linux/ { print $1 }' |
  sort -u |
  while read -r lib; do
    case "$lib" in "$out"/*) continue ;; esac
    cp -L --parents "$lib" "$out"
  done

printf 'root:x:0:0:root:/root:/sbin/nologin\nbookwell:x:10001:10001:Bookwell:/tmp:/sbin/nologin\n' > "$out/etc/passwd"
printf 'root:x:0:\nbookwell:x:10001:\n' > "$out/etc/group"
echo "image root in $out: $(du -sh "$out" | cut -f1)"
