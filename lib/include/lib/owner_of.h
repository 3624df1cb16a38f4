// owner_of<&T::member>(m): the T object whose `member` is m (Linux's container_of), for
// callbacks that are handed an embedded part (a timer event, a watch entry) and need the
// object around it. Freestanding and portable.
#pragma once

#include <cstdint>

namespace lib {

template<typename> struct MemberPointer;
template<typename Owner_, typename Member_> struct MemberPointer<Member_ Owner_::*> {
    using Owner = Owner_;
    using Member = Member_;
};

template<auto Field>
typename MemberPointer<decltype(Field)>::Owner& owner_of(typename MemberPointer<decltype(Field)>::Member& member)
{
    using Owner = typename MemberPointer<decltype(Field)>::Owner;
    auto offset = reinterpret_cast<uintptr_t>(&(static_cast<Owner*>(nullptr)->*Field));
    return *reinterpret_cast<Owner*>(reinterpret_cast<uintptr_t>(&member) - offset);
}

} // namespace lib
