#!/bin/sh
# kvm.volume, run inside the nested harness (busybox sh): a host directory shared with
# --volume under osprey-monitor on real KVM (monitor/volume/, the monitor's own 9P server),
# checked from the host side as tests/guest/volume/run-volume-test does under QEMU:
#   1. read-write: tests/guest/programs/volume.c reads what the host made and changes it;
#      the host then sees its files, and the directory beside the volume is untouched;
#   2. read-only (--volume-ro): the program's changes are all EROFS and the host keeps its
#      files as they were.
# usage: volume.sh MONITOR KERNEL IMAGE WORKDIR
monitor=$1 kernel=$2 image=$3 work=$4
share=$work/shared outside=$work/outside
rm -rf "$work"
mkdir -p "$share/sub" "$share/full" "$outside"
printf 'made on the host\n' > "$share/from_host.txt"
printf 'x' > "$share/full/only"
printf 'outside the volume\n' > "$outside/secret"
ln -s from_host.txt "$share/link_to_host"
host_type=$(stat -f -c %t "$share")

"$monitor" --volume "vol0:$share" --kernel "$kernel" --image "$image" \
    --cmdline "volume=vol0:/data env=VOLUME_FS_TYPE=$host_type -- /app/volume" >"$work/rw.out" 2>&1
echo "read-write: status $?"
sed 's/^/rw| /' "$work/rw.out"
[ "$(cat "$share/made_by_guest/out.txt")" = "$(printf 'first line\nsecond line')" ] && echo "host: out.txt written"
[ "$(wc -c < "$share/made_by_guest/small.bin")" -eq 1000 ] && echo "host: small.bin written and truncated"
[ "$(readlink "$share/made_by_guest/sym")" = out.txt ] && echo "host: symlink made"
[ ! -e "$share/sub" ] && [ ! -e "$share/full" ] && [ ! -e "$share/made_by_guest/hard.bin" ] && echo "host: names removed"
[ "$(cat "$outside/secret")" = "outside the volume" ] && [ "$(ls "$outside")" = secret ] && echo "host: outside untouched"

before=$(ls -lR "$share" | md5sum)
"$monitor" --volume-ro "vol0:$share" --kernel "$kernel" --image "$image" \
    --cmdline "volume=vol0:/data env=VOLUME_FS_TYPE=$host_type -- /app/volume ro" >"$work/ro.out" 2>&1
echo "read-only: status $?"
sed 's/^/ro| /' "$work/ro.out"
[ "$(ls -lR "$share" | md5sum)" = "$before" ] && echo "host: read-only volume unchanged"
