// Intrusive reference counting for objects whose lifetime is really shared (a thread that
// the run queue, the thread table and a joiner all reach; later open file descriptions).
// The count lives in the object (RefCounted<T> base), RefPtr<T> holds one reference, and
// the last release calls `delete` on the T. Atomic, so references may be taken and dropped
// on any CPU. Not std::shared_ptr: no control block, no allocation of its own.
//
//   struct Thread : lib::RefCounted<Thread> { ... };
//   lib::RefPtr<Thread> thread = lib::adopt(new Thread(...)); // count 1
#pragma once

#include <cstdint>
#include <utility>

namespace lib {

template<typename T> class RefCounted {
public:
    RefCounted() = default;
    RefCounted(const RefCounted&) = delete;
    RefCounted& operator=(const RefCounted&) = delete;

    void ref() const { __atomic_add_fetch(&m_count, 1, __ATOMIC_RELAXED); }
    /// Drops one reference; deletes the object when it was the last.
    void unref() const
    {
        if (__atomic_sub_fetch(&m_count, 1, __ATOMIC_ACQ_REL) == 0)
            delete static_cast<const T*>(this);
    }
    uint32_t ref_count() const { return __atomic_load_n(&m_count, __ATOMIC_RELAXED); }

protected:
    ~RefCounted() = default;

private:
    mutable uint32_t m_count = 1; // the creator's reference, taken over by adopt()
};

template<typename T> class RefPtr {
public:
    RefPtr() = default;
    RefPtr(T* object) : m_object(object)
    {
        if (m_object)
            m_object->ref();
    }
    RefPtr(const RefPtr& other) : RefPtr(other.m_object) { }
    RefPtr(RefPtr&& other) : m_object(std::exchange(other.m_object, nullptr)) { }
    ~RefPtr() { reset(); }
    RefPtr& operator=(RefPtr other)
    {
        std::swap(m_object, other.m_object);
        return *this;
    }

    void reset()
    {
        if (auto* object = std::exchange(m_object, nullptr))
            object->unref();
    }
    /// Gives up this reference without dropping it (the caller now owns it).
    T* leak() { return std::exchange(m_object, nullptr); }

    T* get() const { return m_object; }
    T* operator->() const { return m_object; }
    T& operator*() const { return *m_object; }
    explicit operator bool() const { return m_object != nullptr; }

private:
    template<typename U> friend RefPtr<U> adopt(U* object);
    struct Adopt { };
    RefPtr(T* object, Adopt) : m_object(object) { }

    T* m_object = nullptr;
};

/// Takes over the creator's reference of a new object (count stays 1).
template<typename T> RefPtr<T> adopt(T* object) { return RefPtr<T>(object, typename RefPtr<T>::Adopt {}); }

} // namespace lib
