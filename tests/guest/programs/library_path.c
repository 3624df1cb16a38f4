// A program whose library is found only through LD_LIBRARY_PATH (built without a
// DT_RUNPATH), as programs installed under /opt and started by a wrapper script are:
// `osprey run --env LD_LIBRARY_PATH=DIR` packs its libraries from DIR, at DIR in the image,
// where the kernel's loader then finds them. Prints "library_path: 42".
#include <stdio.h>

int plugin_env_value(void); // libplugin_env.so, which needs libplugin_env_dep.so

int main(void)
{
    printf("library_path: %d\n", plugin_env_value());
    return 0;
}
