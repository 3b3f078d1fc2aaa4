// Exceptions thrown by the runtime and model libraries. Only apps/ turns them into exit codes.
#pragma once

#include <stdexcept>
#include <string>

namespace clmnist {

// Base of every error clmnist reports to a user: the message names the problem, the value and
// what to do about it.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad input data or model file.
class DataError : public Error {
 public:
  using Error::Error;
};

// A device request that no device meets; the message lists the devices that exist.
class DeviceNotFound : public Error {
 public:
  using Error::Error;
};

// An OpenCL call failed (the message carries the call, the code and its name).
class DeviceError : public Error {
 public:
  DeviceError(const std::string& message, int code) : Error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// Kernel compilation failed; the message holds the device, the options and the full build log.
class BuildError : public Error {
 public:
  using Error::Error;
};

// An implementation family (--impl) that cannot run the network at all, whatever the device:
// the planner's refusal. A usage error, so an invalid_argument; bench skips such a family, and
// only such a family (any other failure of a family is reported).
class UnfitError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Training stopped because the loss or the parameters stopped being finite.
class DivergenceError : public Error {
 public:
  using Error::Error;
};

}  // namespace clmnist
