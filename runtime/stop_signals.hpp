// SIGINT, SIGTERM and SIGHUP: one rule for every command (docs/RELIABILITY.md, "Signals").
//
// The three signals are blocked in every thread and received by one thread of their own, so that
// what they do is ordinary code, not a handler's async-signal-safe subset:
//  - by default the process stops at once: registered child processes get SIGTERM, registered
//    temporary files and directories are removed, one line on stderr says what was written, and
//    the process ends by the signal (exit status 128 + signal);
//  - while a StopDeferred lives (a group of files being written), the stop waits until the last
//    one ends, so a group is committed whole or not at all;
//  - while a StopPolled lives (a training run), the signal is only recorded: the run polls
//    stop_signal(), stops after its minibatch, saves its checkpoint and reports itself;
//  - a second signal while the first waits stops at once, though never in the middle of a
//    group's renames (StopDeferred::commit_lock).
// Without install_stop_signals() (unit tests, programs linking the library) the signals keep
// their default action and the registrations cost a lock each.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <string>

namespace clmnist::runtime {

// Blocks SIGINT, SIGTERM and SIGHUP in this thread, and so in every thread created after it, and
// starts the thread that receives them. Call once, first thing in main, before other threads.
void install_stop_signals();

// Child processes start with the three signals unblocked again: call in the child after fork.
void unblock_stop_signals_in_child();

// The first stop signal received (0: none).
int stop_signal();

// "SIGINT", "SIGTERM", "SIGHUP".
const char* stop_signal_name(int sig);

// A signal while one lives waits until the last one ends; then the process stops as usual.
class StopDeferred {
 public:
  StopDeferred();
  ~StopDeferred();
  StopDeferred(const StopDeferred&) = delete;
  StopDeferred& operator=(const StopDeferred&) = delete;
  // Held while the renames of a group run: not even a second signal stops between two of them.
  static std::recursive_mutex& commit_lock();
};

// A signal while one lives is only recorded; the owner polls stop_signal() and ends itself.
class StopPolled {
 public:
  StopPolled();
  ~StopPolled();
  StopPolled(const StopPolled&) = delete;
  StopPolled& operator=(const StopPolled&) = delete;
};

// What a stop cleans up: a temporary file or directory (removed), a child process (SIGTERM).
void register_temp_path(const std::string& path);
void unregister_temp_path(const std::string& path);
void register_child(pid_t pid);
void unregister_child(pid_t pid);

// An output file put in place, for the stop's line on what was written.
void note_written(const std::string& path);

// Test-only (CLMNIST_TEST_PAUSE_WRITES=MARKER[:SUFFIX]): the first group write whose first path
// ends with SUFFIX (any, without one) creates MARKER once its files are staged and waits two
// seconds before committing them, so that a test can send a signal in between.
void set_write_pause(const std::string& spec);
void pause_before_commit(const std::string& first_path);

}  // namespace clmnist::runtime
