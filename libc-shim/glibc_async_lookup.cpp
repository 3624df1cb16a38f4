// glibc's asynchronous name lookups (<netdb.h> with _GNU_SOURCE; glibc 2.36
// resolv/getaddrinfo_a.c, gai_*.c): getaddrinfo_a queues getaddrinfo calls that worker
// threads run, gai_error reads a request's state, gai_suspend waits for one to finish,
// gai_cancel takes back a request no worker has started. With GAI_NOWAIT the caller is
// told through its sigevent (a signal, or a new thread) once every request of its list is
// done. musl has none of it.
//
// The program's requests have one owner, AsyncLookups: the queue, the requests in flight
// and the count of workers, behind one mutex, with a condition every finished request
// signals. At most kMostWorkers run at once; a worker ends when the queue is empty.
#include <cerrno>
#include <cstddef>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <netdb.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

// glibc's struct gaicb (the build's <netdb.h> is glibc's).
static_assert(sizeof(gaicb) == 56 && offsetof(gaicb, __return) == 32);

namespace {

constexpr int kMostWorkers = 20; // as glibc's default

/// One getaddrinfo_a call's list: how many of its requests are not done yet, and how to
/// tell the caller when none is left (GAI_NOWAIT).
struct Batch {
    int pending;
    bool notify;
    bool free_when_done; // GAI_NOWAIT without a notification: nobody waits for it
    struct sigevent event;
};

struct Request {
    gaicb* control;
    Batch* batch;
    bool running;
    Request* next;
};

class AsyncLookups {
public:
    int enqueue(gaicb* const* list, int count, Batch* batch);
    /// Drops the hold getaddrinfo_a keeps on `batch` while it queues (pending starts at 1).
    void release(Batch* batch);
    void wait_for_batch(Batch* batch);
    int cancel(gaicb* control);
    int suspend(const gaicb* const* list, int count, const struct timespec* timeout);

private:
    static void* worker(void* self);
    void run_queue();
    /// The batch to tell (then free) once the lock is dropped, or null.
    [[nodiscard]] Batch* finish_locked(Request* request, int result);
    [[nodiscard]] Batch* batch_done_locked(Batch* batch);
    static void notify_and_free(Batch* batch);

    pthread_mutex_t m_lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t m_done = PTHREAD_COND_INITIALIZER;
    Request* m_queue = nullptr; // queued and running requests, oldest first
    int m_workers = 0;
};

AsyncLookups& lookups()
{
    static AsyncLookups the_lookups;
    return the_lookups;
}

int AsyncLookups::enqueue(gaicb* const* list, int count, Batch* batch)
{
    pthread_mutex_lock(&m_lock);
    Request** tail = &m_queue;
    while (*tail)
        tail = &(*tail)->next;
    int result = 0;
    for (int i = 0; i < count && !result; ++i) {
        if (!list[i])
            continue;
        auto* request = static_cast<Request*>(malloc(sizeof(Request)));
        if (!request) {
            result = EAI_MEMORY;
            break;
        }
        *request = { list[i], batch, false, nullptr };
        list[i]->__return = EAI_INPROGRESS;
        batch->pending++;
        *tail = request;
        tail = &request->next;
    }
    int wanted = 0;
    for (Request* r = m_queue; r; r = r->next)
        wanted += !r->running;
    // Workers take no signal (glibc's helpers block them all): the program's handlers run
    // on its own threads, never on one that holds this lock.
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    for (; wanted > 0 && m_workers < kMostWorkers; --wanted) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&thread, &attributes, worker, this) == 0)
            m_workers++;
        pthread_attr_destroy(&attributes);
    }
    pthread_sigmask(SIG_SETMASK, &saved, nullptr);
    if (m_workers == 0 && m_queue) { // no thread to run them: this list's requests fail
        for (Request* request = m_queue; request;) {
            Request* next = request->next;
            if (request->batch == batch)
                (void)finish_locked(request, EAI_AGAIN); // the hold keeps the batch open
            request = next;
        }
        result = EAI_AGAIN;
    }
    pthread_cond_broadcast(&m_done);
    pthread_mutex_unlock(&m_lock);
    return result;
}

void* AsyncLookups::worker(void* self)
{
    static_cast<AsyncLookups*>(self)->run_queue();
    return nullptr;
}

void AsyncLookups::run_queue()
{
    pthread_mutex_lock(&m_lock);
    for (;;) {
        Request* request = m_queue;
        while (request && request->running)
            request = request->next;
        if (!request)
            break;
        request->running = true;
        gaicb* control = request->control;
        pthread_mutex_unlock(&m_lock);
        int result = getaddrinfo(control->ar_name, control->ar_service, control->ar_request, &control->ar_result);
        pthread_mutex_lock(&m_lock);
        if (Batch* done = finish_locked(request, result)) {
            pthread_mutex_unlock(&m_lock);
            notify_and_free(done);
            pthread_mutex_lock(&m_lock);
        }
    }
    m_workers--;
    pthread_mutex_unlock(&m_lock);
}

/// Takes `request` off the queue with `result` in its control block; when it was its
/// batch's last, the batch to tell its GAI_NOWAIT caller about.
Batch* AsyncLookups::finish_locked(Request* request, int result)
{
    for (Request** link = &m_queue; *link; link = &(*link)->next)
        if (*link == request) {
            *link = request->next;
            break;
        }
    request->control->__return = result;
    Batch* batch = request->batch;
    free(request);
    pthread_cond_broadcast(&m_done);
    return batch_done_locked(batch);
}

/// One of `batch`'s requests (or its hold) is done. With none left: a GAI_NOWAIT batch
/// with a notification is returned to be told and freed after the lock is dropped, one
/// without is freed here (a GAI_WAIT caller frees its own).
Batch* AsyncLookups::batch_done_locked(Batch* batch)
{
    if (--batch->pending > 0)
        return nullptr;
    if (batch->notify)
        return batch;
    if (batch->free_when_done)
        free(batch);
    return nullptr;
}

void AsyncLookups::release(Batch* batch)
{
    pthread_mutex_lock(&m_lock);
    Batch* done = batch_done_locked(batch);
    pthread_cond_broadcast(&m_done);
    pthread_mutex_unlock(&m_lock);
    if (done)
        notify_and_free(done);
}

/// Tells a GAI_NOWAIT caller its list is done, as glibc: a signal with SI_ASYNCNL and the
/// value, or the function on a new thread with no signal blocked; then frees the batch.
void AsyncLookups::notify_and_free(Batch* batch)
{
    const struct sigevent event = batch->event;
    free(batch);
    if (event.sigev_notify == SIGEV_SIGNAL) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        info.si_signo = event.sigev_signo;
        info.si_code = SI_ASYNCNL;
        info.si_pid = getpid();
        info.si_uid = getuid();
        info.si_value = event.sigev_value;
        syscall(SYS_rt_sigqueueinfo, info.si_pid, event.sigev_signo, &info);
    } else if (event.sigev_notify == SIGEV_THREAD && event.sigev_notify_function) {
        struct Call {
            void (*function)(union sigval);
            union sigval value;
        };
        auto* call = static_cast<Call*>(malloc(sizeof(Call)));
        if (!call)
            return;
        *call = { event.sigev_notify_function, event.sigev_value };
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        pthread_t thread;
        auto start = [](void* argument) -> void* {
            Call copy = *static_cast<Call*>(argument);
            free(argument);
            sigset_t none;
            sigemptyset(&none);
            pthread_sigmask(SIG_SETMASK, &none, nullptr);
            copy.function(copy.value);
            return nullptr;
        };
        if (pthread_create(
                &thread, event.sigev_notify_attributes ? event.sigev_notify_attributes : &attributes, start, call)
            != 0)
            free(call);
        pthread_attr_destroy(&attributes);
    }
}

void AsyncLookups::wait_for_batch(Batch* batch)
{
    pthread_mutex_lock(&m_lock);
    while (batch->pending > 0)
        pthread_cond_wait(&m_done, &m_lock);
    pthread_mutex_unlock(&m_lock);
}

int AsyncLookups::cancel(gaicb* control)
{
    pthread_mutex_lock(&m_lock);
    int result = EAI_ALLDONE;
    Batch* done = nullptr;
    for (Request* request = m_queue; request; request = request->next) {
        if (request->control != control)
            continue;
        if (request->running) {
            result = EAI_NOTCANCELED;
        } else {
            done = finish_locked(request, EAI_CANCELED);
            result = EAI_CANCELED;
        }
        break;
    }
    pthread_mutex_unlock(&m_lock);
    if (done)
        notify_and_free(done);
    return result;
}

int AsyncLookups::suspend(const gaicb* const* list, int count, const struct timespec* timeout)
{
    struct timespec deadline;
    if (timeout) {
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += timeout->tv_sec;
        deadline.tv_nsec += timeout->tv_nsec;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&m_lock);
    int result = 0;
    for (bool first = true;; first = false) {
        bool in_progress = false, done = false;
        for (int i = 0; i < count; ++i)
            if (list[i]) {
                bool running = list[i]->__return == EAI_INPROGRESS;
                in_progress |= running;
                done |= !running;
            }
        if (first && !in_progress) {
            result = EAI_ALLDONE; // glibc: nothing to wait for
            break;
        }
        if (done)
            break;
        int waited
            = timeout ? pthread_cond_timedwait(&m_done, &m_lock, &deadline) : pthread_cond_wait(&m_done, &m_lock);
        if (waited == ETIMEDOUT) {
            result = EAI_AGAIN;
            break;
        }
    }
    pthread_mutex_unlock(&m_lock);
    return result;
}

} // namespace

extern "C" {

/// glibc's getaddrinfo_a: each non-null list[i] queued (its __return EAI_INPROGRESS). With
/// GAI_WAIT returns when all are done; with GAI_NOWAIT at once, telling `event` (if not
/// null) when all are. 0, EAI_MEMORY or EAI_AGAIN when a request could not be queued or
/// no thread started, EAI_SYSTEM with errno EINVAL for another mode.
int getaddrinfo_a(int mode, gaicb* list[], int count, struct sigevent* event)
{
    if (mode != GAI_WAIT && mode != GAI_NOWAIT) {
        errno = EINVAL;
        return EAI_SYSTEM;
    }
    auto* batch = static_cast<Batch*>(calloc(1, sizeof(Batch)));
    if (!batch)
        return EAI_MEMORY;
    batch->pending = 1; // held until every request is queued
    batch->notify = mode == GAI_NOWAIT && event && event->sigev_notify != SIGEV_NONE;
    if (event)
        batch->event = *event;
    batch->free_when_done = mode == GAI_NOWAIT && !batch->notify;
    AsyncLookups& all = lookups();
    int result = all.enqueue(list, count, batch);
    if (mode == GAI_NOWAIT) {
        all.release(batch); // from here on the batch is the workers'
        return result;
    }
    all.release(batch);
    all.wait_for_batch(batch);
    free(batch);
    return result;
}

/// A request's state: EAI_INPROGRESS, EAI_CANCELED, or getaddrinfo's result.
int gai_error(gaicb* control) { return control->__return; }

/// EAI_CANCELED when `control` had not started (its __return then EAI_CANCELED),
/// EAI_NOTCANCELED when it is running, EAI_ALLDONE when it is done (or unknown).
int gai_cancel(gaicb* control) { return lookups().cancel(control); }

/// Waits until one of `list`'s requests is done (0) or `timeout` passes (EAI_AGAIN);
/// EAI_ALLDONE at once when none of them is in progress, as glibc. Not interrupted by
/// signals (glibc's EAI_INTR).
int gai_suspend(const gaicb* const list[], int count, const struct timespec* timeout)
{
    return lookups().suspend(list, count, timeout);
}

} // extern "C"
