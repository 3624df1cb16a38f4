#!/bin/sh
# Runs `sh SCRIPT ARG...` inside the nested harness (busybox sh) where passt, osprey-monitor's
# user-mode network, can run: used by tests/kvm/net_publish.sh and bench/snapshot's server
# rounds. passt sandboxes itself (a user namespace, then pivot_root), which the
# initramfs's root refuses: pivot_root needs a root mount with a parent, and a chroot may
# not make a user namespace. So, as switch_root does for a real root, SCRIPT runs in a
# mount namespace of its own whose root is a tmpfs moved over "/" (no chroot as the kernel
# counts it: the process's root is the mount on top of the namespace's root). The new root
# holds busybox, passt, the C library passt links, SCRIPT and every ARG that names a file,
# each at its path; /proc, /sys, /dev and /tmp are mounted, and the default route goes to
# the loopback (passt wants an interface with the default route; the harness has no
# network, and passt is given its own MAC, so loopback's none is fine).
# usage: passt_root.sh SCRIPT [ARG...]
case "$1" in
--own-namespace)
    shift
    root=/tmp/passt_root
    mkdir -p $root && mount -t tmpfs tmpfs $root || exit 1
    for path in /bin/busybox /usr/bin/passt /usr/bin/passt.avx2 /lib/x86_64-linux-gnu/libc.so.6 \
        /lib64/ld-linux-x86-64.so.2 "$0" "$@"; do
        [ -f "$path" ] && mkdir -p "$root$(dirname "$path")" && cp "$path" "$root$path"
    done
    cd $root && mount -o move . / || exit 1
    exec chroot . /bin/busybox sh -c '/bin/busybox --install -s /bin && exec sh "$0" --moved "$@"' "$0" "$@"
    ;;
--moved)
    shift
    mkdir -p /proc /sys /dev /tmp
    mount -t proc proc /proc && mount -t sysfs sysfs /sys && mount -t devtmpfs devtmpfs /dev && mount -t tmpfs tmpfs /tmp
    export PATH="/bin:/usr/bin"
    ip link set lo up
    ip route add default dev lo
    exec sh "$@"
    ;;
*)
    exec unshare -m sh "$0" --own-namespace "$@"
    ;;
esac
