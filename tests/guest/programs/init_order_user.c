// Needs libinit_order_base: its constructor calls into it, as libGLX's calls
// libGLdispatch's __glDispatchInit (ffmpeg died there when the order was wrong).
extern int base_ready, users_finished;
int user_saw_base;

__attribute__((constructor)) static void user_init(void) { user_saw_base = base_ready; }
__attribute__((destructor)) static void user_fini(void) { users_finished = 1; }
