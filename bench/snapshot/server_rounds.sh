#!/bin/sh
# bench/snapshot/run-servers, inside the nested harness through tests/kvm/passt_root.sh
# (where passt can run): saves the server's VM at its ready point, then times RUNS rounds
# of cold boot against restore, each from fork() of osprey-monitor to the first reply a
# client on the harness gets through the published port (osprey-boot-timer's tcp:
# marker), and to the monitor's exit (the server answers once, then exits). The samples
# go to stdout for the host to summarize.
# usage: passt_root.sh server_rounds.sh MONITOR KERNEL TIMER IMAGE MEMORY PORT RUNS LABEL
monitor=$1 kernel=$2 timer=$3 image=$4 memory=$5 port=$6 runs=$7 label=$8
cold="$monitor --memory $memory --net-user --publish 127.0.0.1:$port:$port --kernel $kernel --image $image"

$cold --snapshot-at ready /tmp/server.snap >/tmp/save.out 2>&1 &
vm=$!
tries=0
while [ $tries -lt 600 ] && ! grep -q "saved the VM" /tmp/save.out && kill -0 $vm 2>/dev/null; do
    sleep 0.1
    tries=$((tries + 1))
done
echo "GET / HTTP/1.0" | timeout 10 nc 127.0.0.1 "$port" >/dev/null # it answers once, then ends
wait $vm
grep "saved the VM" /tmp/save.out || { cat /tmp/save.out; exit 1; }
# shellcheck disable=SC2086 # $cold's words are wanted split
exec "$timer" --runs "$runs" --timeout 120 --samples - \
    --case "$label: cold boot" "tcp:127.0.0.1:$port" $cold \
    --case "$label: restore" "tcp:127.0.0.1:$port" "$monitor" --restore /tmp/server.snap
