// std::thread and friends with the image's libstdc++ (issue 12): threads under a mutex,
// std::async, shared_ptr counts across threads (libstdc++ uses atomic counts once
// __libc_single_threaded is 0), an exception carried from one thread to another through a
// promise, and thread_local objects with destructors.
#define TEST_NAME "cxx_threads"
#include "check.h"

#include <atomic>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

extern "C" char __libc_single_threaded;

namespace {

std::atomic<int> g_destroyed;

struct PerThread {
    int value = 1;
    ~PerThread() { g_destroyed.fetch_add(1); }
};
thread_local PerThread t_object;

} // namespace

int main()
{
    CHECK(__libc_single_threaded == 1);
    std::mutex mutex;
    long total = 0;
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&, i] {
            t_object.value = i;
            for (int k = 0; k < 10000; ++k) {
                std::lock_guard<std::mutex> guard(mutex);
                total += i;
            }
        });
    for (auto& thread : threads)
        thread.join();
    CHECK(total == 60000);
    CHECK(__libc_single_threaded == 0);
    CHECK(g_destroyed.load() == 4); // each thread's thread_local object, at its exit
    CHECK(t_object.value == 1);

    auto answer = std::async(std::launch::async, [] { return 6 * 7; });
    CHECK(answer.get() == 42);

    auto shared = std::make_shared<int>(5);
    std::vector<std::thread> copiers;
    for (int i = 0; i < 4; ++i)
        copiers.emplace_back([shared] {
            for (int k = 0; k < 10000; ++k) {
                std::shared_ptr<int> copy = shared;
            }
        });
    for (auto& thread : copiers)
        thread.join();
    CHECK(shared.use_count() == 1);

    std::promise<int> promise;
    auto future = promise.get_future();
    std::thread thrower([&promise] {
        try {
            throw std::runtime_error("from a thread");
        } catch (...) {
            promise.set_exception(std::current_exception());
        }
    });
    thrower.join();
    bool caught = false;
    try {
        future.get();
    } catch (const std::runtime_error& error) {
        caught = std::string(error.what()) == "from a thread";
    }
    CHECK(caught);

    std::condition_variable ready;
    bool flag = false;
    std::thread notifier([&] {
        std::lock_guard<std::mutex> guard(mutex);
        flag = true;
        ready.notify_one();
    });
    {
        std::unique_lock<std::mutex> lock(mutex);
        ready.wait(lock, [&] { return flag; });
    }
    notifier.join();
    CHECK(flag);
    if (failures)
        return 1;
    std::puts("cxx_threads: ok");
    return 0;
}
