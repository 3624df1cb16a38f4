// glibc's regex ABI over musl's matcher (TRE). Both regex_t are 64 bytes, but:
//   - glibc's regmatch_t holds two ints (regoff_t is int unless _REGEX_LARGE_OFFSETS),
//     musl's two longs: musl's regexec wrote 16-byte entries into a program's 8-byte
//     array (sed's s/(a)(b)/, bash's =~, grep -o read garbage and past the array);
//   - glibc's re_nsub is at byte 48, where musl keeps an unused word (musl's own re_nsub
//     is at byte 0, glibc's `buffer` pointer);
//   - glibc has REG_STARTEND (match within pmatch[0]) and the GNU API: re_syntax_options,
//     re_set_syntax, re_compile_pattern, re_search (busybox imports it, so it did not load).
// So regcomp/regexec/regfree are wrapped (overrides.txt) and the GNU calls are written here
// on musl's regcomp/regexec. A GNU syntax maps to POSIX basic or extended
// (RE_NO_BK_PARENS), with RE_ICASE; the other syntax bits (GNU operators in basic syntax,
// RE_DOT_NOT_NULL, ...) and the `translate` table are not honoured (KNOWN LIMIT).
#include <libc_shim/program_memory.h>

#include "glibc_data.h"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <regex.h> // glibc's layout: the program's

namespace {

/// musl's regmatch_t (include/regex.h: regoff_t is long on x86-64).
struct MuslMatch {
    long start, end;
};

// musl's functions, on the same 64 bytes (the layouts share size and musl's fields).
extern "C" int regcomp(regex_t* compiled, const char* pattern, int flags);
extern "C" void regfree(regex_t* compiled);
int musl_regexec(const regex_t* compiled, const char* text, size_t count, MuslMatch* matches, int flags)
{
    return regexec(compiled, text, count, reinterpret_cast<regmatch_t*>(matches), flags);
}

constexpr size_t kMaxGroups = 64; // matches kept on the stack; more are reported unmatched

/// musl keeps the group count at byte 0; glibc programs read it at re_nsub (byte 48).
size_t musl_group_count(const regex_t* compiled) { return *reinterpret_cast<const size_t*>(compiled); }

/// After musl's regcomp: the fields a glibc program may read or regfree may free.
void publish_glibc_fields(regex_t* compiled, reg_syntax_t syntax, bool keep_program_tables)
{
    compiled->re_nsub = musl_group_count(compiled);
    compiled->syntax = syntax;
    if (!keep_program_tables) {
        compiled->fastmap = nullptr;
        compiled->translate = nullptr;
    }
    compiled->can_be_null = 0;
    compiled->regs_allocated = REGS_UNALLOCATED;
    compiled->fastmap_accurate = 0;
    compiled->not_bol = compiled->not_eol = 0;
    compiled->no_sub = compiled->newline_anchor = 0;
}

/// glibc's error strings (posix/regcomp.c), for re_compile_pattern's return value.
const char* error_text(int code)
{
    static const char* const kTexts[] = { "Success", "No match", "Invalid regular expression",
        "Invalid collation character", "Invalid character class name", "Trailing backslash", "Invalid back reference",
        "Unmatched [, [^, [:, [., or [=", "Unmatched ( or \\(", "Unmatched \\{", "Invalid content of \\{\\}",
        "Invalid range end", "Memory exhausted", "Invalid preceding regular expression",
        "Premature end of regular expression", "Regular expression too big", "Unmatched ) or \\)" };
    return code >= 0 && size_t(code) < sizeof(kTexts) / sizeof(kTexts[0]) ? kTexts[code] : "Invalid regular expression";
}

} // namespace

extern "C" {

reg_syntax_t re_syntax_options; // glibc's starts at 0 (RE_SYNTAX_EMACS)

/// The syntax a GNU call uses: the program's copy of re_syntax_options when it has one.
static reg_syntax_t current_syntax()
{
    return *static_cast<const reg_syntax_t*>(libc_shim::program_copy_of(&re_syntax_options));
}

reg_syntax_t osprey_re_set_syntax(reg_syntax_t syntax)
{
    reg_syntax_t old = current_syntax();
    re_syntax_options = syntax;
    *static_cast<reg_syntax_t*>(libc_shim::program_copy_of(&re_syntax_options)) = syntax;
    return old;
}

int osprey_regcomp(regex_t* compiled, const char* pattern, int flags)
{
    int error = regcomp(compiled, pattern, flags);
    if (error == 0) {
        publish_glibc_fields(compiled, 0, false);
        compiled->no_sub = (flags & REG_NOSUB) != 0;
        compiled->newline_anchor = (flags & REG_NEWLINE) != 0;
    }
    return error;
}

void osprey_regfree(regex_t* compiled)
{
    regfree(compiled);
    libc_shim::program_free(compiled->fastmap); // glibc frees the tables the program gave it
    libc_shim::program_free(compiled->translate);
    compiled->fastmap = nullptr;
    compiled->translate = nullptr;
}

int osprey_regexec(const regex_t* compiled, const char* text, size_t count, regmatch_t* matches, int flags)
{
    if (compiled->no_sub)
        count = 0;
    size_t offset = 0;
    char* window = nullptr;
    if ((flags & REG_STARTEND) && matches) { // glibc: match text[rm_so, rm_eo), offsets from text
        offset = size_t(matches[0].rm_so);
        size_t end = size_t(matches[0].rm_eo);
        if (text[end] != '\0') {
            window = static_cast<char*>(malloc(end - offset + 1));
            if (!window)
                return REG_ESPACE;
            memcpy(window, text + offset, end - offset);
            window[end - offset] = '\0';
        }
        if (offset > 0)
            flags |= REG_NOTBOL; // glibc: NOTBOL only if asked; TRE cannot see before its start
    }
    MuslMatch found[kMaxGroups];
    size_t asked = count < kMaxGroups ? count : kMaxGroups;
    int result
        = musl_regexec(compiled, window ? window : text + offset, asked, found, flags & (REG_NOTBOL | REG_NOTEOL));
    free(window);
    if (result != 0)
        return result;
    for (size_t i = 0; i < count; ++i) {
        bool matched = i < asked && found[i].start >= 0;
        matches[i].rm_so = matched ? regoff_t(found[i].start + long(offset)) : -1;
        matches[i].rm_eo = matched ? regoff_t(found[i].end + long(offset)) : -1;
    }
    return 0;
}

const char* osprey_re_compile_pattern(const char* pattern, size_t length, struct re_pattern_buffer* buffer)
{
    reg_syntax_t syntax = current_syntax();
    char* text = static_cast<char*>(malloc(length + 1));
    if (!text)
        return error_text(REG_ESPACE);
    memcpy(text, pattern, length);
    text[length] = '\0';
    int flags = (syntax & RE_NO_BK_PARENS ? REG_EXTENDED : 0) | (syntax & RE_ICASE ? REG_ICASE : 0);
    int error = regcomp(buffer, text, flags);
    free(text);
    if (error != 0)
        return error_text(error);
    publish_glibc_fields(buffer, syntax, true);
    buffer->no_sub = (syntax & RE_NO_SUB) != 0; // glibc's re_compile_pattern sets these two
    buffer->newline_anchor = 1;
    return nullptr;
}

} // extern "C"

namespace {

/// What one search found: where the match begins (-1: none, -2: out of memory) and its
/// groups, as absolute offsets.
struct Found {
    long position = -1;
    size_t groups = 0; // the pattern's, the whole match included
    size_t asked = 0;  // how many of them `matches` holds
    MuslMatch matches[kMaxGroups];
};

/// The first position in [start, start + range] (a negative range searches backwards)
/// where a match begins, as re_search and re_match look for it.
Found find_match(const re_pattern_buffer* buffer, const char* string, regoff_t length, regoff_t start, regoff_t range)
{
    Found result;
    if (start < 0 || start > length)
        return result;
    long last = long(start) + range;
    last = last < 0 ? 0 : last > length ? length : last;
    char* text = static_cast<char*>(malloc(size_t(length) + 1));
    if (!text) {
        result.position = -2;
        return result;
    }
    memcpy(text, string, size_t(length));
    text[length] = '\0';
    result.groups = musl_group_count(buffer) + 1;
    result.asked = result.groups < kMaxGroups ? result.groups : kMaxGroups;
    MuslMatch* found = result.matches;
    for (long at = start;; at += range >= 0 ? 1 : -1) {
        bool after_newline = at > 0 && buffer->newline_anchor && text[at - 1] == '\n';
        int flags
            = ((at > 0 && !after_newline) || buffer->not_bol ? REG_NOTBOL : 0) | (buffer->not_eol ? REG_NOTEOL : 0);
        if (musl_regexec(buffer, text + at, result.asked, found, flags) == 0) {
            long begins = at + found[0].start;
            if (range >= 0 ? begins <= last : found[0].start == 0) {
                for (size_t i = 0; i < result.asked; ++i)
                    found[i] = found[i].start < 0 ? MuslMatch { -1, -1 }
                                                  : MuslMatch { found[i].start + at, found[i].end + at };
                result.position = begins;
            }
            if (range >= 0 || result.position >= 0)
                break; // forward: regexec already looked at every later start
        } else if (range >= 0) {
            break;
        }
        if (at == last)
            break;
    }
    free(text);
    return result;
}

/// Fills `registers` with what was found, as glibc does (allocating them for
/// REGS_UNALLOCATED: the caller frees them). False when memory ran out.
bool store_registers(re_pattern_buffer* buffer, re_registers* registers, const Found& found)
{
    if (buffer->regs_allocated == REGS_UNALLOCATED
        || (buffer->regs_allocated == REGS_REALLOCATE && registers->num_regs < found.groups)) {
        size_t count = found.groups > RE_NREGS ? found.groups : RE_NREGS;
        auto* starts = static_cast<regoff_t*>(libc_shim::program_realloc(
            buffer->regs_allocated == REGS_UNALLOCATED ? nullptr : registers->start, count * sizeof(regoff_t)));
        auto* ends = static_cast<regoff_t*>(libc_shim::program_realloc(
            buffer->regs_allocated == REGS_UNALLOCATED ? nullptr : registers->end, count * sizeof(regoff_t)));
        if (!starts || !ends)
            return false;
        registers->start = starts, registers->end = ends, registers->num_regs = __re_size_t(count);
        buffer->regs_allocated = REGS_REALLOCATE;
    }
    for (size_t i = 0; i < registers->num_regs; ++i) {
        bool matched = i < found.asked && found.matches[i].start >= 0;
        registers->start[i] = matched ? regoff_t(found.matches[i].start) : -1;
        registers->end[i] = matched ? regoff_t(found.matches[i].end) : -1;
    }
    return true;
}

} // namespace

extern "C" {

/// re_search(3): the first position in [start, start + range] (a negative range searches
/// backwards) where a match begins, or -1; -2 for an internal error. Fills `registers`.
regoff_t osprey_re_search(struct re_pattern_buffer* buffer, const char* string, regoff_t length, regoff_t start,
    regoff_t range, struct re_registers* registers)
{
    Found found = find_match(buffer, string, length, start, range);
    if (found.position < 0 || !registers || buffer->no_sub)
        return regoff_t(found.position);
    return store_registers(buffer, registers, found) ? regoff_t(found.position) : -2;
}

/// re_match(3): how many characters match from `start` on (the match must begin there),
/// or -1; -2 for an internal error. Fills `registers` as re_search does (find's -regex,
/// grep).
regoff_t re_match(struct re_pattern_buffer* buffer, const char* string, regoff_t length, regoff_t start,
    struct re_registers* registers)
{
    Found found = find_match(buffer, string, length, start, 0);
    if (found.position < 0)
        return regoff_t(found.position);
    if (registers && !buffer->no_sub && !store_registers(buffer, registers, found))
        return -2;
    return regoff_t(found.matches[0].end - found.matches[0].start);
}

} // extern "C"
