#!/bin/sh
# kvm.net_stopped_device, run inside the nested harness through tests/kvm/passt_root.sh: a
# guest that stops its network device the wrong way must not make osprey-monitor's network
# thread spin (issue 17: posting a receive buffer and then clearing DRIVER_OK without a
# reset cost 35% of a core for as long as the VM ran, with frames waiting for it).
# ktest=virtio-net-stop does just that and then idles; meanwhile the harness connects to a
# port published to the VM three times (passt sends the VM a SYN each time, which nobody
# reads; a first connection before the stop shows that such frames reach the VM), and the net-poller thread's CPU time (utime + stime of /proc/PID/task/TID/stat, in
# 10 ms ticks) is read before and after: asleep in poll(), it used 0; with the device's
# reset on a cleared DRIVER_OK taken out of the monitor, it used 142 in those 3 s. The VM
# is stopped once it is measured.
# usage: passt_root.sh net_stopped_device.sh MONITOR KERNEL IMAGE
monitor=$1 kernel=$2 image=$3
"$monitor" --net-user --publish 127.0.0.1:8000:8000 --kernel "$kernel" --image "$image" \
    --cmdline "ktest=virtio-net-stop log.virtio=info" >/tmp/net_stopped.out 2>&1 &
vm=$!
# Waits (up to 30 s) for the VM to say $1.
await() {
    tries=0
    while [ $tries -lt 300 ] && ! grep -q "$1" /tmp/net_stopped.out 2>/dev/null; do
        sleep 0.1
        tries=$((tries + 1))
    done
}
# First one connection while the device still works: the guest sees its SYN arrive, so
# frames do reach the VM in this run (else the check below could pass with none waiting).
await "waiting for a frame"
tries=0 # passt's port may not be open at once: try until the guest says a frame came
while [ $tries -lt 20 ] && ! grep -q "a frame came" /tmp/net_stopped.out 2>/dev/null; do
    echo x | timeout 1 nc 127.0.0.1 8000 >/dev/null 2>&1
    tries=$((tries + 1))
done
await "DRIVER_OK cleared"
poller=""
for task in /proc/$vm/task/*; do
    [ "$(cat "$task/comm" 2>/dev/null)" = "net-poller" ] && poller=$task
done
# Fields 14 and 15; the thread's name (field 2) has no space in it.
cpu_ticks() { awk '{ print $14 + $15 }' "$poller/stat" 2>/dev/null; }
before=$(cpu_ticks)
for attempt in 1 2 3; do
    echo x | timeout 1 nc 127.0.0.1 8000 >/dev/null 2>&1
done
after=$(cpu_ticks)
kill -0 $vm 2>/dev/null && running=yes || running=no
kill $vm 2>/dev/null
wait $vm
sed 's/^/vm| /' /tmp/net_stopped.out
echo "vm: still idle when measured: $running"
if [ -z "$poller" ] || [ -z "$before" ] || [ -z "$after" ]; then
    echo "net-poller: no such thread in the monitor"
    exit 1
fi
echo "net-poller: $((after - before)) ticks of CPU while frames waited"
[ $((after - before)) -lt 20 ] && echo "net-poller: stayed asleep"
exit 0
