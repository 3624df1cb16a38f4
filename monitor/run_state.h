// How a VM run ends, shared by the vCPU threads, device threads and main(): the first
// stop request wins. Monitor exit statuses (besides the guest's own 0..255):
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>

namespace monitor {

inline constexpr int kExitHostFailure = 1;  // the host failed us (KVM ioctl, I/O)
inline constexpr int kExitBadInput = 2;     // bad usage, kernel, image, tap device, no KVM
inline constexpr int kExitPanic = 112;      // = abi::kPanicStatus (the guest reports it)
inline constexpr int kExitNoStatus = 113;   // = abi::kNoStatusExit: stopped without a status
inline constexpr int kExitGuestFault = 114; // = abi::kGuestFaultExit: the guest broke the rules
inline constexpr int kExitTimeout = 124;    // --timeout expired (as timeout(1) and the osprey CLI)

class RunState {
public:
    /// Called once, on the first stop request (kicks the vCPU threads out of KVM_RUN).
    void set_stop_hook(std::function<void()> hook) { m_stop_hook = std::move(hook); }

    /// The guest asked to exit with `status` (0..255).
    void guest_exit(int status) { stop(status & 0xff, ""); }
    /// The guest must be stopped: `status` and a message for the user.
    void stop(int status, std::string message);

    bool stopping() const { return m_stopping.load(std::memory_order_acquire); }
    int status() const;
    std::string message() const;

private:
    std::atomic<bool> m_stopping { false };
    mutable std::mutex m_lock;
    int m_status = kExitNoStatus;
    std::string m_message;
    std::function<void()> m_stop_hook;
};

} // namespace monitor
