// KVM's binary statistics of a vCPU (Linux Documentation/virt/kvm/api.rst, 4.133
// KVM_GET_STATS_FD): how many exits of each kind, nested page faults fixed, halts... The
// monitor's --trace-boot prints them beside the phase table: under KVM, start-up time is
// mostly exits and first touches of guest pages, and these say how many there were.
#pragma once

#include <lib/result.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace monitor {

struct KvmStat {
    std::string name;
    uint64_t value;
};

/// Decodes the contents of a stats file (header, id, descriptors, data) into its
/// single-valued statistics, in the file's order; histograms are skipped. Errors: INVAL
/// when an offset, a count or a name lies outside `file`.
lib::Result<std::vector<KvmStat>> parse_kvm_stats(std::span<const uint8_t> file);

} // namespace monitor
