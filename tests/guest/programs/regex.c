// glibc's regex ABI: regmatch_t of two ints, re_nsub where glibc keeps it, REG_STARTEND,
// and the GNU API (re_syntax_options, re_compile_pattern, re_search and re_match with
// registers).
// Prints "regex: ok".
#define _GNU_SOURCE
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_NAME "regex"
#include "check.h"

static void posix_api(void)
{
    regex_t re;
    CHECK(regcomp(&re, "([a-z]+)=([0-9]+)", REG_EXTENDED) == 0);
    CHECK(re.re_nsub == 2);
    regmatch_t m[4];
    m[3].rm_so = 12345; // past the groups: untouched as glibc writes 3 entries of 8 bytes
    memset(m, 0xff, 3 * sizeof(m[0]));
    CHECK(regexec(&re, "  key=42;", 3, m, 0) == 0);
    CHECK(
        m[0].rm_so == 2 && m[0].rm_eo == 8 && m[1].rm_so == 2 && m[1].rm_eo == 5 && m[2].rm_so == 6 && m[2].rm_eo == 8);
    CHECK(m[3].rm_so == 12345);
    // REG_STARTEND: only [7, 13) of the text, offsets still from its start.
    const char* text = "zz=1; b=22; c=333";
    m[0].rm_so = 6, m[0].rm_eo = 10;
    CHECK(regexec(&re, text, 3, m, REG_STARTEND) == 0);
    CHECK(m[0].rm_so == 6 && m[0].rm_eo == 10 && m[2].rm_so == 8 && m[2].rm_eo == 10);
    CHECK(regexec(&re, "no digits", 0, NULL, 0) == REG_NOMATCH);
    regfree(&re);
}

static void gnu_api(void)
{
    re_syntax_options = RE_SYNTAX_POSIX_EXTENDED;
    struct re_pattern_buffer buffer;
    memset(&buffer, 0, sizeof(buffer));
    CHECK(re_compile_pattern("(b+)c", 5, &buffer) == NULL);
    CHECK(buffer.re_nsub == 1);
    struct re_registers registers;
    const char* text = "abbc abc";
    CHECK(re_search(&buffer, text, 8, 0, 8, &registers) == 1);
    CHECK(registers.num_regs >= 2 && registers.start[0] == 1 && registers.end[0] == 4 && registers.start[1] == 1
        && registers.end[1] == 3);
    CHECK(re_search(&buffer, text, 8, 2, 6, &registers) == 2);                            // "bc" at 2
    CHECK(re_search(&buffer, text, 8, 4, 4, &registers) == 6 && registers.start[1] == 6); // the next one
    CHECK(re_search(&buffer, text, 8, 7, -7, &registers) == 6);                           // backwards from 7
    CHECK(re_search(&buffer, text, 8, 5, -3, &registers) == 2);                           // backwards: 5, 4, 3, then 2
    CHECK(re_search(&buffer, text, 8, 3, -3, &registers) == 2);
    CHECK(re_search(&buffer, text, 8, 7, 1, &registers) == -1); // nothing begins at 7 or 8
    CHECK(re_search(&buffer, text, 8, 0, 0, NULL) == -1);
    // re_match: the length of a match that begins exactly at `start` (find -regex, grep).
    CHECK(re_match(&buffer, text, 8, 1, &registers) == 3 && registers.start[1] == 1 && registers.end[1] == 3);
    CHECK(re_match(&buffer, text, 8, 2, NULL) == 2);
    CHECK(re_match(&buffer, text, 8, 0, &registers) == -1); // "abbc": the match begins at 1, not 0
    CHECK(re_match(&buffer, text, 8, 9, NULL) == -1);       // past the end
    free(registers.start);
    free(registers.end);
    regfree(&buffer);
    re_syntax_options = RE_SYNTAX_POSIX_BASIC;
    memset(&buffer, 0, sizeof(buffer));
    CHECK(re_compile_pattern("\\(a\\)\\1", 7, &buffer) == NULL && buffer.re_nsub == 1);
    CHECK(re_search(&buffer, "xaa", 3, 0, 3, NULL) == 1);
    regfree(&buffer);
    memset(&buffer, 0, sizeof(buffer));
    CHECK(re_compile_pattern("\\(unclosed", 10, &buffer) != NULL); // glibc's message, not NULL
}

int main(void)
{
    posix_api();
    gnu_api();
    if (failures)
        return 1;
    printf("regex: ok\n");
    return 0;
}
