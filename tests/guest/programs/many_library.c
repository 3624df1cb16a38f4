// One of the 70 libraries many_libraries loads, built with -DINDEX=n as libmany<n>.so. Each
// needs the next (a chain of DT_NEEDED), so the program's closure is all 70.
#define NAME2(a, b) a##b
#define NAME(a, b) NAME2(a, b)
#define THIS NAME(many_, INDEX)
#define NEXT NAME(many_, NEXT_INDEX)

#ifdef NEXT_INDEX
int NEXT(void);
#endif
int THIS(void);
int THIS(void)
{
#ifdef NEXT_INDEX
    return INDEX + NEXT();
#else
    return INDEX;
#endif
}
