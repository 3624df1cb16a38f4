// Guarded<T, Lock>: data that can only be reached with its lock held (the pattern of
// SerenityOS's SpinlockProtected<T> and Zircon's Guarded). The lock is a member, the data
// is private, and the only ways in are with() and lock():
//
//   lib::Guarded<RunQueue, sched::SpinLock> g_queue;
//   g_queue.with([&](RunQueue& q) { q.push_back(thread); });
//   auto queue = g_queue.lock();  // a Locked handle: unlocks when it goes out of scope
//   queue->pop_front();
//
// Lock is any type with `Token lock()` and `void unlock(Token)`: the token carries what the
// unlock needs back (an interrupt-disabling spinlock returns the saved interrupt flag).
// Freestanding and portable: the kernel, the monitor and host tests use the same header.
#pragma once

#include <utility>

namespace lib {

template<typename T, typename Lock> class Guarded {
    using Token = decltype(std::declval<Lock&>().lock());

public:
    /// The data, locked for as long as this handle lives.
    class Locked {
    public:
        Locked(Locked&& other) : m_owner(std::exchange(other.m_owner, nullptr)), m_token(other.m_token) { }
        Locked(const Locked&) = delete;
        Locked& operator=(const Locked&) = delete;
        ~Locked()
        {
            if (m_owner)
                m_owner->m_lock.unlock(m_token);
        }
        /// Releases the lock while `function()` runs, then takes it again: for a wait that
        /// must not hold it (the data may have changed when it returns).
        template<typename Function> void unlocked(Function&& function)
        {
            m_owner->m_lock.unlock(m_token);
            function();
            m_token = m_owner->m_lock.lock();
        }
        T* operator->() { return &m_owner->m_value; }
        T& operator*() { return m_owner->m_value; }

    private:
        friend class Guarded;
        Locked(Guarded& owner) : m_owner(&owner), m_token(owner.m_lock.lock()) { }
        Guarded* m_owner;
        Token m_token;
    };

    template<typename... Args> constexpr explicit Guarded(Args&&... args) : m_value(std::forward<Args>(args)...) { }
    Guarded(const Guarded&) = delete;
    Guarded& operator=(const Guarded&) = delete;

    /// Runs `function(T&)` with the lock held and returns what it returns.
    template<typename Function> decltype(auto) with(Function&& function)
    {
        Locked locked(*this);
        return function(*locked);
    }

    Locked lock() { return Locked(*this); }

    /// The lock itself, for code that must hand it to a wait (a condition that releases
    /// the lock while it sleeps). Never use it to reach the data unlocked.
    Lock& raw_lock() { return m_lock; }

private:
    Lock m_lock;
    T m_value;
};

} // namespace lib
