// user_dir (see user_dirs.hpp).
#include "user_dirs.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "shown_text.hpp"

namespace clmnist::model {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

// $xdg_var when it can be the base directory: the XDG specification ignores a relative path;
// one that exists and is not a directory is ignored too, with a warning naming it.
const char* usable_xdg(const char* xdg_var, const std::string& fallback) {
  const char* x = env(xdg_var);
  if (x == nullptr) return nullptr;
  struct stat st {};
  const bool relative = x[0] != '/';
  if (!relative && (::stat(x, &st) != 0 || S_ISDIR(st.st_mode))) return x;
  runtime::warn_once(std::string(xdg_var) + "='" + x + "' is " +
            (relative ? "not an absolute path" : "not a directory") + "; clmnist uses " +
            fallback + " instead (set " + xdg_var + " to a directory, or unset it)");
  return nullptr;
}

// $HOME, else the home directory of this user in the password database (HOME unset, as under
// some service managers and `env -i`), else empty.
std::string home_dir() {
  if (const char* h = env("HOME")) return h;
  std::vector<char> buffer(16384);
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (::getpwuid_r(::getuid(), &pw, buffer.data(), buffer.size(), &found) == 0 &&
      found != nullptr && found->pw_dir != nullptr && found->pw_dir[0] == '/') {
    return found->pw_dir;
  }
  return "";
}

}  // namespace

std::string user_dir(const char* override_var, const char* xdg_var, const char* home_rel,
                     const char* sub) {
  if (const char* d = env(override_var)) return d;
  const std::string home = home_dir();
  const std::string under_home =
      home.empty() ? std::string() : home + "/" + home_rel + "/clmnist/" + sub;
  const std::string fallback =
      home.empty() ? std::string("no directory") : home + "/" + home_rel;
  if (const char* x = usable_xdg(xdg_var, fallback)) return std::string(x) + "/clmnist/" + sub;
  return under_home;
}

std::string default_kernel_cache_dir() {
  return user_dir("CLMNIST_CACHE_DIR", "XDG_CACHE_HOME", ".cache", "kernels");
}

}  // namespace clmnist::model
