#!/bin/busybox sh
# /init of the nested-KVM harness initramfs (built by scripts/kvm-harness). Loads the KVM
# modules, checks /dev/kvm, runs every test of /osprey/tests/list with its timeout and
# reports each on the second serial port (ttyS1, raw) as
#   osprey-kvm-start NAME          (before it runs: the harness watches for a stall)
#   osprey-kvm-begin NAME
#   <the test's stdout and stderr, base64>
#   osprey-kvm-result NAME status=N centiseconds=T timed_out=yes|no
# then "osprey-kvm-done" and powers the machine off. Line formats: scripts/kvm-harness.
/bin/busybox --install -s /bin
export PATH=/bin:/osprey/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp
stty -F /dev/ttyS1 raw -echo
exec 3>/dev/ttyS1

uptime_cs() { read -r up _ </proc/uptime; echo "${up%.*}${up#*.}"; }
say() { echo "$*" >&3; }

# The modules kvm-amd needs, in dependency order (list written by the harness).
kvm_log=/tmp/kvm-setup.log
while read -r module; do
    insmod "/lib/modules/$module" >>"$kvm_log" 2>&1 || echo "insmod $module failed" >>"$kvm_log"
done </lib/modules/order
if [ -c /dev/kvm ]; then kvm=yes; else kvm=no; fi
say "osprey-kvm-begin harness.kvm"
{ dmesg | grep -i -E 'kvm|svm' | tail -5; cat "$kvm_log"; } | base64 >&3
say "osprey-kvm-result harness.kvm status=$([ $kvm = yes ] && echo 0 || echo 1) centiseconds=0 timed_out=no"

while read -r name limit; do
    start=$(uptime_cs)
    say "osprey-kvm-start $name"
    timeout -s KILL "$limit" sh "/osprey/tests/$name.sh" >/tmp/out 2>&1 </dev/null
    status=$?
    elapsed=$(( $(uptime_cs) - start ))
    timed_out=no
    [ "$status" = 137 ] && [ "$elapsed" -ge $(( limit * 100 )) ] && timed_out=yes
    say "osprey-kvm-begin $name"
    base64 </tmp/out >&3
    say "osprey-kvm-result $name status=$status centiseconds=$elapsed timed_out=$timed_out"
done </osprey/tests/list
say "osprey-kvm-done"
sync
poweroff -f
