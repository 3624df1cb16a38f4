// glibc's reentrant random (<stdlib.h>, struct random_data): the additive feedback
// generator of random(3) with the state in the caller's buffer, so a program that seeds it
// gets glibc's sequence (seed 1 gives 1804289383 first). The state buffer holds one word of
// type, then the table, as glibc lays it out for setstate_r.
#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace {

/// Whether `pointer` is null, asked so that the compiler cannot answer "no": glibc's
/// <stdlib.h> declares these functions' pointers nonnull, which lets the compiler drop a
/// plain check (and warn about it), yet glibc checks them and returns EINVAL, as these do.
template<typename T> bool is_null(T* pointer)
{
    asm("" : "+r"(pointer));
    return pointer == nullptr;
}

struct GeneratorType {
    int degree, separation;
};
// glibc's TYPE_0..TYPE_4: state sizes 8, 32, 64, 128, 256 bytes.
constexpr GeneratorType kTypes[] = { { 0, 0 }, { 7, 3 }, { 15, 1 }, { 31, 3 }, { 63, 1 } };
constexpr size_t kBreaks[] = { 8, 32, 64, 128, 256 };

int type_for_size(size_t bytes)
{
    for (int type = 4; type >= 0; --type)
        if (bytes >= kBreaks[type])
            return type;
    return -1;
}

/// 16807 * value mod (2^31 - 1) (Schrage's method), as glibc seeds its table: in 64-bit
/// arithmetic from the unsigned seed on.
int64_t next_seed(int64_t value)
{
    int64_t high = value / 127773, low = value % 127773;
    int64_t word = 16807 * low - 2836 * high;
    return word < 0 ? word + 2147483647 : word;
}

void save_position(random_data& data)
{
    if (data.rand_type != 0)
        data.state[-1] = int32_t((data.rptr - data.state) * 5 + data.rand_type);
    else
        data.state[-1] = 0;
}

} // namespace

extern "C" {

int random_r(random_data* data, int32_t* result) noexcept
{
    if (is_null(data) || is_null(result)) {
        errno = EINVAL;
        return -1;
    }
    int32_t* state = data->state;
    if (data->rand_type == 0) {
        int32_t value = int32_t((uint32_t(state[0]) * 1103515245u + 12345u) & 0x7fffffff);
        state[0] = value;
        *result = value;
        return 0;
    }
    int32_t* front = data->fptr;
    int32_t* rear = data->rptr;
    uint32_t sum = uint32_t(*front) + uint32_t(*rear);
    *front = int32_t(sum);
    *result = int32_t(sum >> 1);
    if (++front >= data->end_ptr) {
        front = state;
        ++rear;
    } else if (++rear >= data->end_ptr) {
        rear = state;
    }
    data->fptr = front;
    data->rptr = rear;
    return 0;
}

int srandom_r(unsigned int seed, random_data* data) noexcept
{
    if (is_null(data) || data->rand_type < 0 || data->rand_type > 4) {
        errno = EINVAL;
        return -1;
    }
    int32_t* state = data->state;
    int64_t word = seed ? seed : 1;
    state[0] = int32_t(word);
    if (data->rand_type == 0)
        return 0;
    for (int i = 1; i < data->rand_deg; ++i)
        state[i] = int32_t(word = next_seed(word));
    data->fptr = &state[data->rand_sep];
    data->rptr = &state[0];
    int32_t discard;
    for (int i = 0; i < data->rand_deg * 10; ++i)
        random_r(data, &discard);
    return 0;
}

int initstate_r(unsigned int seed, char* buffer, size_t size, random_data* data) noexcept
{
    int type = type_for_size(size);
    if (is_null(data) || is_null(buffer) || type < 0) {
        errno = EINVAL;
        return -1;
    }
    auto* state = reinterpret_cast<int32_t*>(buffer) + 1;
    data->state = state;
    data->rand_type = type;
    data->rand_deg = kTypes[type].degree;
    data->rand_sep = kTypes[type].separation;
    data->end_ptr = &state[data->rand_deg];
    srandom_r(seed, data);
    save_position(*data);
    return 0;
}

int setstate_r(char* buffer, random_data* data) noexcept
{
    if (is_null(buffer) || is_null(data)) {
        errno = EINVAL;
        return -1;
    }
    save_position(*data);
    auto* new_state = reinterpret_cast<int32_t*>(buffer) + 1;
    int type = new_state[-1] % 5, position = new_state[-1] / 5;
    if (type < 0 || type > 4) {
        errno = EINVAL;
        return -1;
    }
    data->rand_type = type;
    data->rand_deg = kTypes[type].degree;
    data->rand_sep = kTypes[type].separation;
    data->state = new_state;
    if (type != 0) {
        data->rptr = &new_state[position];
        data->fptr = &new_state[(position + data->rand_sep) % data->rand_deg];
    }
    data->end_ptr = &new_state[data->rand_deg];
    return 0;
}

} // extern "C"
