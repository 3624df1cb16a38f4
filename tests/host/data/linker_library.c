// Test input: a shared library with versioned symbols (data/linker_library.map) and a
// table of function pointers that relocation must fill (RELATIVE or DT_RELR entries).
int answer_v1(void) { return 1; }
int answer_v2(void) { return 2; }
int plain_function(void) { return 3; }
__asm__(".symver answer_v1, answer@LIBTEST_1.0");
__asm__(".symver answer_v2, answer@@LIBTEST_2.0");
static int local_function(void) { return 4; }
int (*function_table[])(void) = { answer_v1, answer_v2, local_function, plain_function };
// An exported IFUNC the library takes the address of itself: a relocation against the
// symbol, bound by calling its resolver (cli_load_check_test.cpp corrupts its value).
static int chosen_implementation(void) { return 5; }
static int (*choose_function(void))(void) { return chosen_implementation; }
int chosen_function(void) __attribute__((ifunc("choose_function")));
int (*chosen_pointer)(void) = chosen_function;
