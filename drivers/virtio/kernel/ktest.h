// In-kernel tests of the virtio drivers against real (QEMU) devices, selected by the boot
// option ktest=NAME; tests/kernel/CMakeLists.txt boots them with the devices attached:
//   virtio-rng  the entropy device answers, two reads differ, and getrandom() reads it
//   virtio-blk  the first block device holds the test pattern of scripts/run-kernel-test
//               (byte i of sector s is (13*s + 7*i + 1) mod 251); whole-disk, partial and
//               last-sector reads match it; bad requests are refused; on a writable disk
//               sector 2 is rewritten (byte i = 0xa5 ^ 3*i), flushed and read back, on a
//               read-only one the write must fail with EROFS
//   virtio-net-stop  a hostile driver: once a frame has come, clears the network device's
//               DRIVER_OK without a reset while it holds a receive buffer, then idles 30 s (tests/kvm checks
//               that the monitor's net thread sleeps meanwhile)
// Each prints "ktest NAME: ok" and exits with status 0, or prints the first failure
// ("ktest NAME: FAIL: ...") and exits with status 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace virtio {

/// Runs virtio test `name`; false if there is no such test, else it does not return.
bool run_ktest(std::string_view name);

/// The byte the test disk holds at `offset` of `sector`, and what the write test puts in
/// sector 2 (also computed by scripts/run-kernel-test).
constexpr unsigned char test_disk_byte(uint64_t sector, size_t offset) { return (13 * sector + 7 * offset + 1) % 251; }
constexpr unsigned char test_written_byte(size_t offset) { return 0xa5 ^ ((3 * offset) & 0xff); }

} // namespace virtio
