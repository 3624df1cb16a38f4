// A plugin whose thread-local storage (96 KiB) is larger than the static TLS surplus (64
// KiB), for dl_tls.c: dlopen gives it dynamic TLS, a block per thread made on first use.
// Built three ways: general dynamic (libbig_tls.so), TLS descriptors (libbig_tls_desc.so,
// -mtls-dialect=gnu2) and initial exec (libbig_tls_ie.so, DF_STATIC_TLS), which must be
// refused as glibc refuses it.
__thread char big_tls_array[98304];
__thread int big_tls_value = 11;
__thread long big_tls_aligned __attribute__((aligned(64))) = 5;

int* big_tls_value_address(void) { return &big_tls_value; }
long* big_tls_aligned_address(void) { return &big_tls_aligned; }
char* big_tls_array_address(void) { return big_tls_array; }
