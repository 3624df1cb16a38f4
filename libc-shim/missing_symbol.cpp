#include <libc_shim/startup.h>

#include <kernel/core/vm_exit.h>
#include <kernel/console/log.h>

#include <cstdio>

namespace libc_shim {

extern "C" void osprey_missing_symbol(const MissingSymbol* symbol)
{
    fflush(nullptr);
    char line[512];
    int n = snprintf(line, sizeof(line), "osprey: missing symbol %s%s%s needed by %s\n", symbol->name,
        symbol->version[0] ? "@" : "", symbol->version, symbol->needed_by);
    klog::error(klog::Subsystem::Shim, "{}", std::string_view(line, n > 0 ? size_t(n) - 1 : 0));
    core::vm_exit(127);
}

} // namespace libc_shim
