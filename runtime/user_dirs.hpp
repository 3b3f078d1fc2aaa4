// Per-user directories: an override variable, else the XDG base directory, else one under HOME.
#pragma once

#include <string>

namespace clmnist::runtime {

// $override_var, else $xdg_var/clmnist/sub, else $HOME/home_rel/clmnist/sub; empty when none is
// set. Example: user_dir("CLMNIST_CACHE_DIR", "XDG_CACHE_HOME", ".cache", "kernels").
std::string user_dir(const char* override_var, const char* xdg_var, const char* home_rel,
                     const char* sub);

}  // namespace clmnist::runtime
