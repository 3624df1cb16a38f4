// Result<T>: the one error mechanism of Osprey. A value or an Error (an Errno plus a static
// message saying what went wrong). Freestanding: no exceptions, no allocation.
//
//   lib::Result<int> parse(...) { if (bad) return lib::Error(lib::Errno::INVAL, "why"); return 7; }
//   int v = TRY(parse(...));   // propagates the error to the caller
#pragma once

#include <lib/errno.h>

#include <new>
#include <type_traits>
#include <utility>

namespace lib {

/// An error: the Linux errno it maps to and a human-readable reason. `message` must point
/// to storage that outlives the error (a string literal in practice).
struct Error {
    constexpr Error(Errno code_, const char* message_ = "") : code(code_), message(message_) { }
    Errno code;
    const char* message;
};

template<typename T> class [[nodiscard]] Result {
public:
    Result(const T& value) : m_has_value(true) { new (&m_value) T(value); }
    Result(T&& value) : m_has_value(true) { new (&m_value) T(std::move(value)); }
    template<typename U>
    requires(
        std::is_convertible_v<U,
            T> && !std::is_same_v<std::decay_t<U>, T> && !std::is_same_v<std::decay_t<U>, Error> && !std::is_same_v<std::decay_t<U>, Errno>)
        Result(U&& value)
        : m_has_value(true)
    {
        new (&m_value) T(std::forward<U>(value));
    }
    Result(Error error) : m_has_value(false), m_error(error) { }
    Result(Errno code) : m_has_value(false), m_error(code) { }

    Result(Result&& other) : m_has_value(other.m_has_value), m_error(other.m_error)
    {
        if (m_has_value)
            new (&m_value) T(std::move(other.m_value));
    }
    Result(const Result& other) : m_has_value(other.m_has_value), m_error(other.m_error)
    {
        if (m_has_value)
            new (&m_value) T(other.m_value);
    }
    Result& operator=(Result&& other)
    {
        if (this != &other) {
            this->~Result();
            new (this) Result(std::move(other));
        }
        return *this;
    }
    ~Result()
    {
        if (m_has_value)
            m_value.~T();
    }

    bool is_error() const { return !m_has_value; }
    bool is_ok() const { return m_has_value; }
    explicit operator bool() const { return m_has_value; }
    const Error& error() const { return m_error; }

    T& value() & { return m_value; }
    const T& value() const& { return m_value; }
    T&& value() && { return std::move(m_value); }
    T release_value() { return std::move(m_value); }
    T* operator->() { return &m_value; }
    const T* operator->() const { return &m_value; }
    T& operator*() { return m_value; }

private:
    bool m_has_value;
    Error m_error { Errno::INVAL };
    union {
        T m_value;
    };
};

template<> class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_has_error(true), m_error(error) { }
    Result(Errno code) : m_has_error(true), m_error(code) { }

    bool is_error() const { return m_has_error; }
    bool is_ok() const { return !m_has_error; }
    explicit operator bool() const { return !m_has_error; }
    const Error& error() const { return m_error; }
    void release_value() { }

private:
    bool m_has_error = false;
    Error m_error { Errno::INVAL };
};

} // namespace lib

/// Evaluates a Result expression; on error returns that error from the enclosing function,
/// otherwise yields the value (GNU statement expression, as SerenityOS's TRY).
#define TRY(expr)                                                                                                      \
    ({                                                                                                                 \
        auto _try_result = (expr);                                                                                     \
        if (_try_result.is_error()) [[unlikely]]                                                                       \
            return _try_result.error();                                                                                \
        _try_result.release_value();                                                                                   \
    })
