// The kernel's random source, for getrandom(2), /dev/urandom, /proc's UUIDs and lwIP: a
// virtio entropy device when one was probed (the host's bytes), else RDSEED or RDRAND,
// else a TSC-stirred generator that is NOT cryptographic (logged once; random_source.cpp
// says why it is still what getrandom returns).
#pragma once

#include <cstddef>

namespace entropy {

/// Fills kernel memory with `length` random bytes. Never fails.
void random_bytes(void* buffer, size_t length);
/// Stirs `length` bytes from outside (a restored snapshot's fresh host bytes) into the
/// fallback generator, whose state was otherwise copied with the VM.
void mix_seed(const void* seed, size_t length);

} // namespace entropy
