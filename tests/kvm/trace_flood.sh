#!/bin/sh
# kvm.trace_flood_memory, run inside the nested harness (busybox sh): a guest that floods the
# boot-trace port cannot grow osprey-monitor (issue 17: every write once added an entry,
# 10 M writes grew the monitor by 860 MB). The trace_flood image runs under --trace-boot
# with 2,000 and with 200,000 writes; the monitor's peak RSS (VmHWM, read while it runs)
# may grow by less than 4 MiB between the two (at 88 bytes a write, the 198,000 more were
# 17 MB; the peak moves by about 0.6 MiB between runs of the same count).
# usage: trace_flood.sh MONITOR KERNEL IMAGE
monitor=$1 kernel=$2 image=$3

# Runs the monitor with $1 writes; prints its peak RSS in KiB, last read before it exits.
peak_kib() {
    "$monitor" --trace-boot --kernel "$kernel" --image "$image" --cmdline "-- /app/trace_flood $1" \
        >"/tmp/trace_flood.$1" 2>&1 &
    pid=$!
    peak=0
    while [ -r "/proc/$pid/status" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do
        now=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$pid/status" 2>/dev/null)
        [ -n "$now" ] && peak=$now
        sleep 0.05 2>/dev/null || usleep 50000
    done
    wait "$pid"
    echo "$1 writes: status $?" >&2
    echo "$peak"
}

small=$(peak_kib 2000)
large=$(peak_kib 200000)
sed 's/^/small| /' /tmp/trace_flood.2000
sed 's/^/large| /' /tmp/trace_flood.200000
echo "peak RSS: ${small} KiB after 2000 writes, ${large} KiB after 200000"
if [ "$small" -gt 0 ] && [ "$large" -gt 0 ] && [ $((large - small)) -lt 4096 ]; then
    echo "trace flood: the monitor's memory stayed flat"
fi
