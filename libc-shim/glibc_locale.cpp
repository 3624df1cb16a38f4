// locale_t objects with glibc's layout.
//
// glibc's struct __locale_struct is public ABI, and libstdc++ (the "gnu" locale model)
// reads its fields directly: ctype<char> takes its classification and case tables from
// __ctype_b, __ctype_tolower and __ctype_toupper of the locale __newlocale returned. musl's
// locale_t is six category pointers (48 bytes); handed to libstdc++, every iostream read
// dereferenced garbage (std::istream::sentry, SIGSEGV).
//
// So every locale_t a program gets from newlocale or duplocale is a GlibcLocale: musl's
// six category pointers first (where glibc keeps its private __locales), then glibc's
// public fields at glibc's offsets. musl's *_l functions and uselocale read only the
// category pointers, so they take a GlibcLocale as they are; only creation, copying and
// freeing are replaced here (exports/overrides.txt). The tables are musl's glibc-format
// ones (__ctype_b_loc and friends), which describe the C locale's bytes, as glibc's do
// for the bytes of a UTF-8 locale.
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctype.h>
#include <locale.h>

extern "C" {
// musl's own (hidden names differ from glibc's, hence the asm labels).
locale_t musl_newlocale(int mask, const char* name, locale_t base) __asm__("__newlocale");
locale_t musl_duplocale(locale_t old) __asm__("__duplocale");
void musl_freelocale(locale_t locale) __asm__("freelocale");
const char* osprey_musl_locale_name(const void* category); // musl_locale.c
}

namespace {

constexpr int kMuslCategories = 6, kGlibcCategories = 13, kGlibcLcAll = 6;

struct GlibcLocale {
    const void* musl_categories[kMuslCategories]; // musl's struct __locale_struct
    const void* unused[kGlibcCategories - kMuslCategories];
    const unsigned short* ctype_b;
    const int* ctype_tolower;
    const int* ctype_toupper;
    const char* names[kGlibcCategories];
};
static_assert(sizeof(GlibcLocale) == sizeof(__locale_struct));
static_assert(offsetof(GlibcLocale, ctype_b) == offsetof(__locale_struct, __ctype_b));
static_assert(offsetof(GlibcLocale, ctype_toupper) == offsetof(__locale_struct, __ctype_toupper));
static_assert(offsetof(GlibcLocale, names) == offsetof(__locale_struct, __names));

/// Fills glibc's public fields from the musl categories.
void fill_glibc_fields(GlibcLocale& l)
{
    l.ctype_b = *__ctype_b_loc();
    l.ctype_tolower = *__ctype_tolower_loc();
    l.ctype_toupper = *__ctype_toupper_loc();
    for (int i = 0; i < kGlibcCategories; ++i) // categories musl lacks (LC_PAPER...) are "C"
        l.names[i] = i < kMuslCategories ? osprey_musl_locale_name(l.musl_categories[i]) : "C";
    l.names[kGlibcLcAll] = l.names[LC_CTYPE];
}

/// A new GlibcLocale holding musl locale `musl`'s categories.
GlibcLocale* wrap(locale_t musl)
{
    auto* l = static_cast<GlibcLocale*>(calloc(1, sizeof(GlibcLocale)));
    if (!l)
        return nullptr;
    memcpy(l->musl_categories, musl, sizeof(l->musl_categories));
    fill_glibc_fields(*l);
    return l;
}

} // namespace

extern "C" {

/// newlocale(3) and glibc's __newlocale. `base` (0 or a GlibcLocale) is changed in place and
/// returned, as musl and glibc both may; otherwise a new GlibcLocale. NULL with errno on
/// failure (ENOENT for an unknown name, ENOMEM), `base` untouched.
locale_t osprey_newlocale(int mask, const char* name, locale_t base)
{
    locale_t result = musl_newlocale(mask, name, base); // modifies an allocated base in place
    if (!result)
        return nullptr;
    if (base && result == base) {
        fill_glibc_fields(*reinterpret_cast<GlibcLocale*>(base));
        return base;
    }
    GlibcLocale* wrapped = wrap(result);
    musl_freelocale(result); // frees only a locale musl allocated, never its builtins
    if (wrapped && base)
        free(base); // POSIX: base is consumed by a successful newlocale
    return reinterpret_cast<locale_t>(wrapped);
}

/// duplocale(3): a new GlibcLocale with the categories of `old` (LC_GLOBAL_LOCALE: the
/// global locale's). NULL with errno ENOMEM.
locale_t osprey_duplocale(locale_t old)
{
    locale_t copy = musl_duplocale(old); // resolves LC_GLOBAL_LOCALE; copies the categories
    if (!copy)
        return nullptr;
    GlibcLocale* wrapped = wrap(copy);
    musl_freelocale(copy);
    return reinterpret_cast<locale_t>(wrapped);
}

/// freelocale(3) of a locale newlocale or duplocale returned.
void osprey_freelocale(locale_t locale)
{
    if (locale && locale != LC_GLOBAL_LOCALE)
        free(locale);
}

} // extern "C"
