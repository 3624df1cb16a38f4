// `osprey bench boot PROGRAM|IMAGE`: the start-up experiment users run (issue 16). Times
// the VMM process from outside with osprey-boot-timer (bench/boot/boot_timer.c): fork to
// the program's line and fork to the VMM's exit, N rounds interleaved with the floor of
// the same hypervisor (QEMU: the smallest PVH kernel on the same QEMU command line; the
// monitor: a bare KVM guest with the same RAM) and with --compare OTHER.
#pragma once

#include "run_command.h"

#include <optional>
#include <string>

namespace tools {

struct BenchBootRequest {
    RunRequest vm;                      // the program or image and how to run it
    std::optional<std::string> compare; // another program or image, run the same way
    unsigned runs = 30;
    std::string marker;  // the line is the first containing this (empty: the first line)
    std::string plot;    // CDF plot file (.svg or .png); empty: none
    std::string samples; // every run's times, for `osprey-boot-timer --summarize`; empty: none
};

/// Runs the benchmark, printing its progress on stderr and its tables on stdout. Returns
/// the timer's status (0, or 1 when a run showed no line). Throws CliError for bad input,
/// a hypervisor that cannot run here or a missing timer or floor.
int bench_boot(const BenchBootRequest& request);

// `osprey bench density PROGRAM|IMAGE` (or `--restore FILE`): starts N VMs of it at once
// and reports the host memory each costs (PSS, with osprey-density: bench/density).
struct BenchDensityRequest {
    RunRequest vm; // the program, image or snapshot and how to run it
    unsigned vms = 8;
    std::string marker; // a VM is up when its output has a line containing this (empty: any output)
};

/// Returns osprey-density's status (0, or 1 when a VM did not come up). Throws CliError
/// for bad input, a hypervisor that cannot run here or a missing osprey-density.
int bench_density(const BenchDensityRequest& request);

} // namespace tools
