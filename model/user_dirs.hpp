// Per-user directories: an override variable, else the XDG base directory, else one under HOME.
// Policy of the programs, not of the runtime (which reads no environment).
#pragma once

#include <string>

namespace clmnist::model {

// $override_var, else $xdg_var/clmnist/sub, else HOME/home_rel/clmnist/sub with HOME from $HOME
// or, unset, the password database; empty when there is none. An $xdg_var that is relative or
// not a directory is not used, with one warning on stderr naming it and what is used instead.
// Example: user_dir("CLMNIST_CACHE_DIR", "XDG_CACHE_HOME", ".cache", "kernels").
std::string user_dir(const char* override_var, const char* xdg_var, const char* home_rel,
                     const char* sub);

// The kernel binary cache: CLMNIST_CACHE_DIR, else $XDG_CACHE_HOME/clmnist/kernels, else
// $HOME/.cache/clmnist/kernels (empty: none).
std::string default_kernel_cache_dir();

}  // namespace clmnist::model
