// Library constructors run after those of the libraries they need, destructors before
// (glibc's order, not load order). Prints "init_order: ok" and, at exit, that the base
// library was finalized after its users.
#include <stdio.h>

int top_saw_user(void);

int main(void)
{
    if (!top_saw_user()) {
        printf("init_order: FAILED: a constructor ran before its library's\n");
        return 1;
    }
    printf("init_order: ok\n");
    return 0;
}
