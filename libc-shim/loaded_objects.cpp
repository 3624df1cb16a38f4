// The static TLS layout the kernel's linker recorded (libc_shim/startup.h), for musl's
// thread set-up (musl_tls.c).
#include <libc_shim/startup.h>

extern "C" const osprey_static_tls* osprey_program_static_tls() { return &libc_shim::program_startup().tls; }
