// A plugin whose IFUNC resolver faults (for dl_ifunc_fault.c). The plugin is linked with
// -z now, so dlopen runs the resolver while it relocates the plugin.
static int chosen_implementation(void) { return 42; }

static volatile int* volatile g_bad_pointer = (volatile int*)16;

static void* resolve_chosen(void)
{
    *g_bad_pointer = 1; // a resolver with a bug: a write to page 0
    return (void*)chosen_implementation;
}

int chosen(void) __attribute__((ifunc("resolve_chosen")));

int call_chosen(void) { return chosen(); }
