// The C++ runtime from the image's libstdc++ and libgcc_s (issue 13): exceptions thrown in a
// library and caught in the executable and the other way round (libgcc's unwinder finds
// each frame's FDE through _dl_find_object), exceptions from inside libstdc++, iostream,
// thread_local objects with constructors and destructors in the executable and the library
// (libstdc++'s own TLS is general-dynamic), containers, and static destructors in glibc's
// order at exit. Prints "cxx_runtime: ok", then the destructors' lines.
#include "cxx_library.h"

#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace {

int failures;

void check(bool ok, const char* what)
{
    if (!ok) {
        ++failures;
        std::cout << "cxx_runtime: FAILED: " << what << std::endl;
    }
}

struct Counted {
    static inline int alive = 0;
    Counted() { ++alive; }
    ~Counted() { --alive; }
};
thread_local Counted thread_counted;
thread_local int thread_value = 7;

struct ExecutableAnnouncer {
    ~ExecutableAnnouncer() { std::puts("cxx_runtime: static destructor ran"); }
} executable_announcer;

void throw_from_executable() { throw std::logic_error("thrown in the executable"); }

void exceptions()
{
    try {
        library_throw(0);
        check(false, "no exception from the library");
    } catch (const std::runtime_error& e) {
        check(std::string(e.what()) == "thrown in the library", "runtime_error message");
    }
    try {
        library_throw(1);
    } catch (const LibraryError& e) {
        check(e.code == 42, "LibraryError code");
    }
    try {
        library_throw(2);
    } catch (const std::out_of_range&) {
    } catch (...) {
        check(false, "out_of_range caught as something else");
    }
    check(library_catch(throw_from_executable) == 1, "library catches the executable's exception");
    try {
        std::vector<int> v(3);
        (void)v.at(10);
    } catch (const std::exception& e) {
        check(std::string(e.what()).find("vector") != std::string::npos, "vector::at message");
    }
}

} // namespace

int main()
{
    exceptions();
    (void)thread_counted;
    check(Counted::alive == 1, "thread_local constructor ran once");
    check(++thread_value == 8, "thread_local int");
    check(library_thread_string() == "library-thread", "library thread_local std::string");
    library_thread_string() += "!";
    check(library_thread_string() == "library-thread!", "library thread_local std::string written");

    std::map<std::string, int> counts;
    std::istringstream words("a b a c b a");
    for (std::string w; words >> w;)
        ++counts[w];
    check(counts["a"] == 3 && counts["b"] == 2 && counts["c"] == 1, "map and istringstream");
    auto shared = std::make_shared<std::vector<int>>(1000, 1);
    check(shared.use_count() == 1 && (*shared)[999] == 1, "shared_ptr");
    std::ostringstream formatted;
    formatted << 3.5 << ' ' << std::hex << 255;
    check(formatted.str() == "3.5 ff", "ostream formatting");
    if (failures)
        return 1;
    std::cout << "cxx_runtime: ok" << std::endl;
    return 0;
}
