#!/bin/sh
# kvm.net_publish, run inside the nested harness (busybox sh): osprey-monitor's user-mode
# network (monitor/passt.h) under real KVM. echo_server listens on 8000 in the VM,
# published on the harness's 127.0.0.1:8000 by passt; busybox nc on the harness sends a
# line and must read the server's answer; the server then ends and so does the VM. Then a
# monitor that cannot find passt refuses --net-user with what to install. Then snapshots
# of a networked VM: READY_IMAGE's server says it is ready once it listens, the VM is
# saved there (--snapshot-at ready) and goes on to serve on 8000; two VMs restored from
# the file at once, each with passt started again on a port of its own (--publish
# 8001, 8002), each serve a client of theirs.
# Run through tests/kvm/passt_root.sh, where passt can sandbox itself.
# usage: passt_root.sh net_publish.sh MONITOR KERNEL IMAGE READY_IMAGE
monitor=$1 kernel=$2 image=$3 ready_image=$4
"$monitor" --net-user --publish 127.0.0.1:8000:8000 --kernel "$kernel" --image "$image" >/tmp/net_publish.out 2>&1 &
vm=$!
tries=0
while [ $tries -lt 100 ] && ! grep -q "listening on 8000" /tmp/net_publish.out; do
    sleep 0.2
    tries=$((tries + 1))
done
echo "reply: $(echo ping | timeout 10 nc 127.0.0.1 8000)"
tries=0
while [ $tries -lt 50 ] && kill -0 $vm 2>/dev/null; do
    sleep 0.2
    tries=$((tries + 1))
done
kill $vm 2>/dev/null && echo "vm: still running, stopped"
wait $vm
echo "vm: status $?"
sed 's/^/vm| /' /tmp/net_publish.out
PATH=/nonexistent "$monitor" --net-user --kernel "$kernel" --image "$image" >/tmp/no_passt.out 2>&1
echo "without passt: status $?"
sed 's/^/no passt| /' /tmp/no_passt.out

# The reply of the server published on 127.0.0.1:PORT to a line, trying until one comes
# (a restored VM's passt needs a moment to listen).
ask() {
    tries=0 reply=""
    while [ $tries -lt 50 ] && [ -z "$reply" ]; do
        reply=$(echo "$2" | timeout 10 nc 127.0.0.1 "$1")
        [ -n "$reply" ] || sleep 0.2
        tries=$((tries + 1))
    done
    echo "$reply"
}

"$monitor" --net-user --publish 127.0.0.1:8000:8000 --snapshot-at ready /tmp/server.snap --kernel "$kernel" \
    --image "$ready_image" >/tmp/saved.out 2>&1 &
vm=$!
echo "saved VM: $(ask 8000 before)"
wait $vm
echo "saved VM: status $?"
grep -q "saved the VM to" /tmp/saved.out && echo "saved VM: snapshot written"
"$monitor" --restore /tmp/server.snap --publish 127.0.0.1:8001:8000 >/tmp/first.out 2>&1 &
first=$!
"$monitor" --restore /tmp/server.snap --publish 127.0.0.1:8002:8000 >/tmp/second.out 2>&1 &
second=$!
echo "first restore: $(ask 8001 one)"
echo "second restore: $(ask 8002 two)"
wait $first
echo "first restore: status $?"
wait $second
echo "second restore: status $?"
for run in saved first second; do
    sed "s/^/$run| /" /tmp/$run.out
done
# Restored with --no-publish (osprey bench density's VMs, side by side): it runs, on a
# network of its own, and nothing is published on the saved port.
"$monitor" --restore /tmp/server.snap --no-publish >/tmp/quiet.out 2>&1 &
quiet=$!
sleep 2
kill -0 $quiet 2>/dev/null && echo "no-publish restore: running"
echo x | timeout 5 nc 127.0.0.1 8000 >/dev/null 2>&1 || echo "no-publish restore: port 8000 not published"
kill $quiet
wait $quiet
sed 's/^/quiet| /' /tmp/quiet.out
"$monitor" --restore /tmp/server.snap --net no-such-tap0 >/tmp/wrong.out 2>&1
echo "restore on a tap: status $?"
sed 's/^/wrong| /' /tmp/wrong.out
