// user_dir (see user_dirs.hpp).
#include "user_dirs.hpp"

#include <cstdlib>

namespace clmnist::model {

std::string user_dir(const char* override_var, const char* xdg_var, const char* home_rel,
                     const char* sub) {
  auto env = [](const char* name) -> const char* {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? v : nullptr;
  };
  if (const char* d = env(override_var)) return d;
  if (const char* x = env(xdg_var)) return std::string(x) + "/clmnist/" + sub;
  if (const char* h = env("HOME")) return std::string(h) + "/" + home_rel + "/clmnist/" + sub;
  return "";
}

std::string default_kernel_cache_dir() {
  return user_dir("CLMNIST_CACHE_DIR", "XDG_CACHE_HOME", ".cache", "kernels");
}

}  // namespace clmnist::model
