// Test input: a shared library whose exported thread-local variable is reached the
// general-dynamic way (DTPMOD64 and DTPOFF64 against the symbol), for the load check's
// test of TLS relocations (cli_load_check_test.cpp).
__thread int tls_counter = 1;

int bump_tls_counter(void) { return ++tls_counter; }
