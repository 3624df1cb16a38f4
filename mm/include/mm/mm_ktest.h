// In-kernel tests of mm (boot option ktest=mm; tests/kernel).
#pragma once

#include <string_view>

namespace mm {

/// Runs the test named `name` and stops the VM (status 0 when it passed); false if mm has
/// no test of that name.
bool run_ktest(std::string_view name);

} // namespace mm
