// IntrusiveList<T, &T::node>: a doubly-linked list whose links live in the objects
// (Zircon fbl style), so putting an object on a list never allocates and removing it is
// O(1) from the object alone. An object can be on as many lists as it has nodes, on at
// most one list per node. The list does not own its objects.
//
//   struct Thread { lib::ListNode run_node; ... };
//   lib::IntrusiveList<Thread, &Thread::run_node> run_queue;
#pragma once

#include <cstddef>

namespace lib {

struct ListNode {
    ListNode* prev = nullptr;
    ListNode* next = nullptr;
    /// Whether the node is on a list (lists keep unlinked nodes null).
    bool linked() const { return next != nullptr; }
};

template<typename T, ListNode T::*Node> class IntrusiveList {
public:
    constexpr IntrusiveList() { m_head.prev = m_head.next = &m_head; }
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;

    bool empty() const { return m_head.next == &m_head; }
    size_t size() const { return m_size; }
    T* front() const { return empty() ? nullptr : owner(m_head.next); }
    T* back() const { return empty() ? nullptr : owner(m_head.prev); }

    /// The object after `item` on this list, or null at the end.
    T* next(T* item) const
    {
        ListNode* node = (item->*Node).next;
        return node == &m_head ? nullptr : owner(node);
    }

    void push_back(T* item) { insert_before(&m_head, item); }
    void push_front(T* item) { insert_before(m_head.next, item); }
    /// Inserts `item` before `position` (null: at the end).
    void insert_before(T* position, T* item) { insert_before(position ? &(position->*Node) : &m_head, item); }

    T* pop_front()
    {
        T* item = front();
        if (item)
            remove(item);
        return item;
    }

    /// Unlinks `item`, which must be on this list.
    void remove(T* item)
    {
        ListNode& node = item->*Node;
        node.prev->next = node.next;
        node.next->prev = node.prev;
        node.prev = node.next = nullptr;
        --m_size;
    }

private:
    static T* owner(ListNode* node)
    {
        // The offset of the node member inside T, as offsetof would give it.
        auto offset = reinterpret_cast<size_t>(&(static_cast<T*>(nullptr)->*Node));
        return reinterpret_cast<T*>(reinterpret_cast<char*>(node) - offset);
    }

    void insert_before(ListNode* position, T* item)
    {
        ListNode& node = item->*Node;
        node.prev = position->prev;
        node.next = position;
        position->prev->next = &node;
        position->prev = &node;
        ++m_size;
    }

    ListNode m_head;
    size_t m_size = 0;
};

} // namespace lib
