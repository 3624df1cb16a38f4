// Needs libinit_order_base, then libinit_order_user (in that DT_NEEDED order): loading is
// breadth first (base before user), so constructors in reverse load order would run
// user's before base's. glibc runs each object's dependencies first.
extern int user_saw_base;
int top_saw_user(void) { return user_saw_base; }
