// Adding the monitor's own kernel options to the Osprey command line
// (images/include/images/cmdline.h): they go before the "--" word that starts the
// program's argv, as the kernel splits the line, or at the end when there is none.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace monitor {

/// `cmdline` with `options` (plain words, no quoting needed) inserted before its "--".
std::string insert_kernel_options(std::string_view cmdline, const std::vector<std::string>& options);

/// Whether `cmdline`'s kernel options (the words before its "--") give the guest's IPv4
/// address (net.ip=, a static one or dhcp): then the monitor adds no network settings of
/// its own. False for a malformed line.
bool names_guest_address(std::string_view cmdline);

/// The Linux/Firecracker discovery word for a virtio-mmio device:
/// "virtio_mmio.device=<size>@<base>:<irq>" with size and base in hex with a 0x prefix.
std::string virtio_mmio_option(uint64_t size, uint64_t base, uint32_t irq);

} // namespace monitor
