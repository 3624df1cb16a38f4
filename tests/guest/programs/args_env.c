// Checks that argv and the environment arrive intact: the test passes
//   args_env "one" "two words" "quote\"d" ""   with OSPREY_TEST=hello=world
// and expects the exact strings back. Prints what it saw, then "args_env: ok".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char** environ;

static int check(int cond, const char* what)
{
    if (!cond)
        fprintf(stderr, "args_env: FAILED: %s\n", what);
    return cond ? 0 : 1;
}

int main(int argc, char** argv)
{
    for (int i = 0; i < argc; ++i)
        printf("argv[%d] = [%s]\n", i, argv[i]);
    for (char** e = environ; *e; ++e)
        printf("env: %s\n", *e);
    int failures = 0;
    failures += check(argc == 5, "argc == 5");
    failures += check(argc > 1 && strcmp(argv[1], "one") == 0, "argv[1]");
    failures += check(argc > 2 && strcmp(argv[2], "two words") == 0, "argv[2]");
    failures += check(argc > 3 && strcmp(argv[3], "quote\"d") == 0, "argv[3]");
    failures += check(argc > 4 && argv[4][0] == '\0', "argv[4] empty");
    failures += check(argv[argc] == NULL, "argv[argc] == NULL");
    const char* v = getenv("OSPREY_TEST");
    failures += check(v && strcmp(v, "hello=world") == 0, "getenv(OSPREY_TEST)");
    failures += check(getenv("OSPREY_UNSET") == NULL, "unset variable");
    if (failures)
        return 1;
    printf("args_env: ok\n");
    return 0;
}
