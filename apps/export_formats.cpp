// .npy writer (format version 1.0); the ONNX exporter is export_onnx.cpp.
#include "export_formats.hpp"

#include <cstdio>
#include <filesystem>

#include "errors.hpp"
#include "safetensors.hpp"

namespace clmnist::apps {
namespace {

std::string npy(const std::vector<float>& data, const std::string& shape) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  // magic (6) + version (2) + length (2) + header + '\n', padded to a multiple of 64.
  while ((10 + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  std::string out = "\x93NUMPY";
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  out.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float));
  return out;
}

}  // namespace

void export_npy(const model::Model& m, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::is_directory(dir, ec)) {
    throw Error("cannot create the output directory '" + dir + "'");
  }
  std::vector<std::pair<std::string, std::string>> files;
  for (const runtime::ParamSpec& p : m.network.params()) {
    std::string shape = "(";
    for (std::size_t d : p.shape) shape += std::to_string(d) + ", ";
    shape = p.shape.size() == 1 ? shape.substr(0, shape.size() - 1) + ")"
                                : shape.substr(0, shape.size() - 2) + ")";
    files.emplace_back(dir + "/" + p.name + ".npy", npy(m.param(p.name), shape));
  }
  model::write_files_atomic(files);  // all new, or all as they were
}

#ifndef CLMNIST_WITH_ONNX
std::string onnx_support() {
  return "not in this build: install libonnx-dev and libprotobuf-dev (`ci/install-deps.sh "
         "--test` does), then rebuild with ci/build.sh";
}

void export_onnx(const model::Model&, const std::string&) {
  throw Error("ONNX export is " + onnx_support());
}
#endif

}  // namespace clmnist::apps
