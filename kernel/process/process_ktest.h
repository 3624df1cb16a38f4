// In-kernel tests of the process's state (boot option ktest=process; tests/kernel).
#pragma once

#include <string_view>

namespace process {

/// Runs the test named `name` and stops the VM (status 0 when it passed); false if there
/// is no process test of that name.
bool run_ktest(std::string_view name);

} // namespace process
