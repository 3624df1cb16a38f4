// A C++ plugin: an exception thrown and caught inside it, which libgcc's unwinder can only
// handle if _dl_find_object knows the dlopen'ed object.
#include <stdexcept>
#include <string>

extern "C" int plugin_cxx_catch(int value)
{
    try {
        if (value > 0)
            throw std::runtime_error("from the plugin: " + std::to_string(value));
    } catch (const std::exception& e) {
        return std::string(e.what()) == "from the plugin: 7" ? 1 : -1;
    }
    return 0;
}
