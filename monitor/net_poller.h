// The thread that feeds frames from the tap to the virtio-net device: poll(2) on the tap
// (only while the guest has receive buffers), the device's wake eventfd and a stop
// eventfd; each readable tap serves the receive queue under the VM's device lock.
#pragma once

#include "run_state.h"
#include "virtio_devices.h"

#include <mutex>
#include <thread>

namespace monitor {

class NetPoller {
public:
    NetPoller(const VirtioDevices::Net& net, std::mutex& device_lock, RunState& state);
    ~NetPoller(); // stops and joins the thread

private:
    void loop();

    VirtioDevices::Net m_net;
    std::mutex& m_device_lock;
    RunState& m_state;
    int m_stop_fd;
    std::thread m_thread;
};

} // namespace monitor
