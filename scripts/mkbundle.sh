#!/usr/bin/env bash
# Makes an OCI bundle with a busybox rootfs from Debian's busybox-static (no
# image download): DIR/rootfs and, unless --no-config, DIR/config.json
# written by `minirun spec` with args ["sh"].
# Usage: scripts/mkbundle.sh DIR [--probe PATH] [--minirun PATH] [--no-config] [-- spec flags]
set -euo pipefail
dir=${1:?usage: mkbundle.sh DIR [--probe PATH] [--minirun PATH] [--no-config]}
shift
probe="" minirun="" config=1 spec_flags=()
while [ $# -gt 0 ]; do
  case "$1" in
    --probe) probe=$2; shift 2 ;;
    --minirun) minirun=$2; shift 2 ;;
    --no-config) config=0; shift ;;
    --) shift; spec_flags=("$@"); break ;;
    *) echo "mkbundle.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
  for b in /bin/busybox /usr/bin/busybox; do [ -x "$b" ] && busybox=$b; done
fi
[ -n "$busybox" ] || { echo "mkbundle.sh: busybox not found (apt-get install busybox-static)" >&2; exit 1; }

root="$dir/rootfs"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,root,home,var,run,usr/bin,usr/sbin}
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
cat > "$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
tester:x:1000:1000:tester:/home/tester:/bin/sh
P
cat > "$root/etc/group" <<'G'
root:x:0:
daemon:x:1:
wheel:x:10:tester
tester:x:1000:
nogroup:x:65534:
G
mkdir -p "$root/home/tester"
echo "127.0.0.1 localhost" > "$root/etc/hosts"
echo "minirun" > "$root/etc/hostname"
: > "$root/etc/resolv.conf"
[ -n "$probe" ] && install -m 0755 "$probe" "$root/bin/probe"
if [ "$config" = 1 ]; then
  rm -f "$dir/config.json"
  if [ -z "$minirun" ]; then minirun=$(command -v minirun || echo "$(dirname "$0")/../build/runtime/minirun"); fi
  "$minirun" spec -b "$dir" "${spec_flags[@]}"
fi
echo "bundle ready: $dir"
