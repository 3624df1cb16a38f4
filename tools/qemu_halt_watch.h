// `osprey run`'s watch for a QEMU guest that can never run again: every vCPU halted with
// interrupts off. Programs run in ring 0 under Osprey, so `cli; hlt` (or `hlt` in a
// single-threaded program, which runs with interrupts off) is theirs to run, and QEMU
// itself never ends such a VM (issue 17; osprey-monitor's halt watch, monitor/vm_runner.h,
// does the same with KVM's own state). The CLI holds one end of a socket pair and QEMU the
// other as a QMP monitor (QemuConfig::halt_watch_fd); each look asks QMP for
// `info registers -a` and reads each CPU's HLT and interrupt flag.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tools {

class QemuHaltWatch {
public:
    /// Makes the socket pair. Throws CliError(kExitHostFailure) if it cannot.
    QemuHaltWatch();
    ~QemuHaltWatch();
    QemuHaltWatch(const QemuHaltWatch&) = delete;
    QemuHaltWatch& operator=(const QemuHaltWatch&) = delete;

    /// QEMU's end, inherited by it (not close-on-exec), for QemuConfig::halt_watch_fd.
    int qemu_fd() const { return m_qemu_end; }
    /// Closes the CLI's copy of QEMU's end once QEMU has it (the first look does it).
    void qemu_started();

    /// Whether QEMU answered, within a second, that every vCPU is halted with interrupts
    /// off. False for any other answer, no answer, or a QMP error: the watch then looks
    /// again later, and a QEMU that went away is the supervisor's business.
    bool every_cpu_halted_with_interrupts_off();

private:
    bool greeted();
    std::optional<std::string> next_reply();

    int m_cli_end = -1;
    int m_qemu_end = -1;
    enum class Greeting { Awaited, CapabilitiesAsked, Done };
    Greeting m_greeting = Greeting::Awaited;
    bool m_broken = false; // a send failed: QEMU stopped reading; no more looks
    uint64_t m_questions = 0;
    std::string m_pending; // bytes read past the last whole line
};

/// From QMP's `info registers -a` text: true when it shows at least one CPU and every CPU
/// has HLT=1 and IF (bit 9 of EFL=, or RFL= in long mode) clear.
bool every_cpu_halted_with_interrupts_off(std::string_view registers);

/// The text of a QMP reply line {"return": "..."} with JSON's escapes undone; nullopt for
/// any other line (an event, an error, a return that is not a string).
std::optional<std::string> qmp_returned_text(std::string_view line);

} // namespace tools
