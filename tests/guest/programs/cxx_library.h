// Interface of cxx_library.cpp for cxx_runtime.cpp.
#pragma once

#include <cstdio>
#include <string>

struct LibraryError {
    int code;
};

/// Throws std::runtime_error (0), LibraryError{42} (1) or std::out_of_range (2).
void library_throw(int which);
/// Calls `callback`, catches the std::exception it throws: 1 if its message is "thrown in
/// the executable".
int library_catch(void (*callback)());
/// The library's thread_local std::string.
std::string& library_thread_string();
