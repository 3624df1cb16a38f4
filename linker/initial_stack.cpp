#include <linker/initial_stack.h>

#include <cstring>

namespace linker {

namespace {

constexpr size_t kMaxStrings = 4096;

/// Writes downward from the top of the stack buffer, tracking guest addresses.
class StackWriter {
public:
    StackWriter(std::span<std::byte> stack, uint64_t base) : m_stack(stack), m_base(base), m_top(stack.size()) { }

    /// Copies `bytes` below the current top; returns their guest address, or 0 if full.
    uint64_t push_bytes(const void* bytes, size_t length)
    {
        if (length > m_top)
            return 0;
        m_top -= length;
        memcpy(m_stack.data() + m_top, bytes, length);
        return m_base + m_top;
    }
    uint64_t push_string(std::string_view s)
    {
        if (s.size() + 1 > m_top)
            return 0;
        m_top -= s.size() + 1;
        memcpy(m_stack.data() + m_top, s.data(), s.size());
        m_stack[m_top + s.size()] = std::byte(0);
        return m_base + m_top;
    }
    bool reserve_words(size_t count, size_t align)
    {
        size_t bytes = count * 8;
        if (bytes > m_top)
            return false;
        m_top = (m_top - bytes) & ~(align - 1);
        return true;
    }
    void put_word(size_t index, uint64_t value) { memcpy(m_stack.data() + m_top + index * 8, &value, 8); }
    uint64_t address(size_t word_index) const { return m_base + m_top + word_index * 8; }

private:
    std::span<std::byte> m_stack;
    uint64_t m_base;
    size_t m_top;
};

const lib::Error kTooBig(lib::Errno::TOOBIG, "initial stack: arguments and environment do not fit");

} // namespace

lib::Result<InitialStack> build_initial_stack(
    std::span<std::byte> stack, uint64_t stack_base, const InitialStackSpec& spec)
{
    if (spec.argv.size() + spec.envp.size() > kMaxStrings)
        return kTooBig;
    StackWriter w(stack, stack_base);
    // Strings go down one after another: argv first, then envp. Their addresses are
    // recomputed below from the lengths, so no array of kMaxStrings addresses is needed.
    uint64_t first_string_end = stack_base + stack.size();
    for (auto s : spec.argv)
        if (!w.push_string(s))
            return kTooBig;
    for (auto s : spec.envp)
        if (!w.push_string(s))
            return kTooBig;
    uint64_t execfn = w.push_string(spec.execfn);
    uint64_t platform = w.push_string("x86_64");
    uint64_t random = w.push_bytes(spec.random_bytes, sizeof(spec.random_bytes));
    if (!execfn || !platform || !random)
        return kTooBig;

    size_t argc = spec.argv.size(), envc = spec.envp.size();
    size_t aux_words = (spec.auxv.size() + 4) * 2; // + AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL
    size_t words = 1 + argc + 1 + envc + 1 + aux_words;
    if (!w.reserve_words(words, 16))
        return kTooBig;
    size_t i = 0;
    uint64_t string_end = first_string_end;
    auto next_string = [&](std::string_view s) { return string_end -= s.size() + 1; };
    w.put_word(i++, argc);
    for (auto s : spec.argv)
        w.put_word(i++, next_string(s));
    w.put_word(i++, 0);
    for (auto s : spec.envp)
        w.put_word(i++, next_string(s));
    w.put_word(i++, 0);
    size_t auxv_index = i;
    auto put_aux = [&](uint64_t type, uint64_t value) {
        w.put_word(i++, type);
        w.put_word(i++, value);
    };
    for (const AuxEntry& entry : spec.auxv)
        put_aux(entry.type, entry.value);
    put_aux(AT_RANDOM, random);
    put_aux(AT_EXECFN, execfn);
    put_aux(AT_PLATFORM, platform);
    put_aux(AT_NULL, 0);
    return InitialStack { w.address(0), w.address(1), w.address(1 + argc + 1), w.address(auxv_index) };
}

} // namespace linker
