// The stop-signal thread and its registrations (see stop_signals.hpp).
#include "stop_signals.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "shown_text.hpp"

namespace clmnist::runtime {
namespace {

std::atomic<int> g_signal{0};
std::atomic<bool> g_installed{false};

// Everything below is guarded by lock(): the registrations, the counts of deferring and
// polling scopes, and the files written.
std::recursive_mutex& lock() {
  static std::recursive_mutex m;
  return m;
}
int g_deferred = 0;
int g_polled = 0;
std::vector<std::string> g_temps;
std::vector<pid_t> g_children;
std::vector<std::string> g_written;
std::string g_pause_marker;
std::string g_pause_suffix;

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

void say(const std::string& text) {
  // stderr may be gone (SIGHUP: the terminal closed); nothing to do about a failed write.
  [[maybe_unused]] const ssize_t ignored = ::write(STDERR_FILENO, text.data(), text.size());
}

// The line that says what the stopped command had written.
std::string written_line(int sig) {
  std::string line = std::string("clmnist: stopped by ") + stop_signal_name(sig);
  if (g_written.empty()) return line + "; it had written no file\n";
  line += "; the files written before it are complete:";
  const std::size_t shown = std::min<std::size_t>(g_written.size(), 5);
  for (std::size_t i = 0; i < shown; ++i) line += (i == 0 ? " " : ", ") + shown_text(g_written[i]);
  if (g_written.size() > shown) {
    line += " and " + std::to_string(g_written.size() - shown) + " more";
  }
  return line + "\n";
}

// Ends the process by `sig` after ending the children and removing the temporary files. Called
// with lock() held, which is never released: the other threads wait for the end.
[[noreturn]] void stop_now(int sig) {
  for (const pid_t child : g_children) ::kill(child, SIGTERM);
  std::error_code ec;
  for (const std::string& path : g_temps) std::filesystem::remove_all(path, ec);
  say(written_line(sig));
  ::signal(sig, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  ::pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  ::raise(sig);
  ::_exit(128 + sig);  // not reached: the default action of the three signals ends the process
}

void receive_signals() {
  const sigset_t set = stop_set();
  for (;;) {
    int sig = 0;
    if (::sigwait(&set, &sig) != 0) continue;
    const std::lock_guard<std::recursive_mutex> guard(lock());
    int expected = 0;
    const bool first = g_signal.compare_exchange_strong(expected, sig);
    if (!first || (g_deferred == 0 && g_polled == 0)) stop_now(first ? sig : expected);
  }
}

void erase_value(std::vector<std::string>& v, const std::string& value) {
  v.erase(std::remove(v.begin(), v.end(), value), v.end());
}

}  // namespace

void install_stop_signals() {
  if (g_installed.exchange(true)) return;
  const sigset_t set = stop_set();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread(receive_signals).detach();
}

void unblock_stop_signals_in_child() {
  const sigset_t set = stop_set();
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

int stop_signal() { return g_signal.load(); }

const char* stop_signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "a signal";
  }
}

StopDeferred::StopDeferred() {
  const std::lock_guard<std::recursive_mutex> guard(lock());
  ++g_deferred;
}

StopDeferred::~StopDeferred() {
  const std::lock_guard<std::recursive_mutex> guard(lock());
  if (--g_deferred == 0 && g_polled == 0 && g_signal.load() != 0) stop_now(g_signal.load());
}

std::recursive_mutex& StopDeferred::commit_lock() { return lock(); }

StopPolled::StopPolled() {
  const std::lock_guard<std::recursive_mutex> guard(lock());
  ++g_polled;
}

StopPolled::~StopPolled() {
  const std::lock_guard<std::recursive_mutex> guard(lock());
  --g_polled;
}

void register_temp_path(const std::string& path) {
  const std::lock_guard<std::recursive_mutex> guard(lock());
  g_temps.push_back(path);
}

void unregister_temp_path(const std::string& path) {
  const std::lock_guard<std::recursive_mutex> guard(lock());
  erase_value(g_temps, path);
}

void register_child(pid_t pid) {
  const std::lock_guard<std::recursive_mutex> guard(lock());
  g_children.push_back(pid);
}

void unregister_child(pid_t pid) {
  const std::lock_guard<std::recursive_mutex> guard(lock());
  g_children.erase(std::remove(g_children.begin(), g_children.end(), pid), g_children.end());
}

void note_written(const std::string& path) {
  const std::lock_guard<std::recursive_mutex> guard(lock());
  g_written.push_back(path);
}

void set_write_pause(const std::string& spec) {
  const std::lock_guard<std::recursive_mutex> guard(lock());
  const std::size_t colon = spec.find(':');
  g_pause_marker = spec.substr(0, colon);
  g_pause_suffix = colon == std::string::npos ? "" : spec.substr(colon + 1);
}

void pause_before_commit(const std::string& first_path) {
  std::string marker;
  {
    const std::lock_guard<std::recursive_mutex> guard(lock());
    const std::string& suffix = g_pause_suffix;
    if (first_path.size() < suffix.size() ||
        first_path.compare(first_path.size() - suffix.size(), suffix.size(), suffix) != 0) {
      return;
    }
    marker.swap(g_pause_marker);  // once
  }
  if (marker.empty()) return;
  const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
  std::this_thread::sleep_for(std::chrono::seconds(2));
}

}  // namespace clmnist::runtime
