// The shared library of cxx_runtime.cpp: throws across the library boundary, keeps a
// thread_local with a destructor and a static object whose destructor prints at exit.
#include "cxx_library.h"

#include <stdexcept>
#include <string>

namespace {

struct Announcer {
    ~Announcer() { std::puts("cxx_library: static destructor ran"); }
};
Announcer announcer;

} // namespace

thread_local std::string library_thread_name = "library-thread";

void library_throw(int which)
{
    if (which == 0)
        throw std::runtime_error("thrown in the library");
    if (which == 1)
        throw LibraryError { 42 };
    std::string().at(5); // std::out_of_range from inside libstdc++
}

int library_catch(void (*callback)())
{
    try {
        callback();
    } catch (const std::exception& e) {
        return std::string(e.what()) == "thrown in the executable" ? 1 : -1;
    }
    return 0;
}

std::string& library_thread_string() { return library_thread_name; }
