// safetensors round trip, atomic save, and rejected files.
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <stdexcept>

#include "networks.hpp"
#include "errors.hpp"
#include "network_model.hpp"
#include "output_file.hpp"
#include "safetensors.hpp"
#include "test_support.hpp"

using clmnist::DataError;
using namespace clmnist::model;
namespace runtime = clmnist::runtime;

namespace {

// Softmax regression on 2x3 images, 4 classes.
Model small_model() {
  Model m;
  m.network = logistic_regression(2, 3, 4, 256.0);
  m.params["W"] = clmnist::test::random_floats(24, 5, -1.0f, 1.0f);
  m.params["b"] = {0.1f, -0.2f, 0.3f, 0.0f};
  m.metadata["preset"] = "theano";
  return m;
}

// A 6-5 relu-3 tanh-4 MLP on 2x3 images with pixels / 255.
Model small_mlp() {
  Model m;
  m.network = multilayer_perceptron(2, 3, {5, 3}, runtime::Activation::kRelu, 4, 255.0);
  m.network.layers[1].activation = runtime::Activation::kTanh;
  m.params = clmnist::test::random_params(m.network, 17, -1.0f, 1.0f);
  m.metadata["preset"] = "theano-mlp";
  m.metadata["note"] = "a \"quoted\" value, with unicode \u00e9";
  return m;
}

// Header JSON of an encoded file, and a re-encoding with a replaced header.
std::string with_header(const std::string& file, const std::string& header) {
  std::string h = header;
  while (h.size() % 8) h.push_back(' ');
  std::string out(8, '\0');
  const std::uint64_t n = h.size();
  std::memcpy(out.data(), &n, 8);
  std::uint64_t old = 0;
  std::memcpy(&old, file.data(), 8);
  return out + h + file.substr(8 + old);
}

}  // namespace

TEST_CASE("models round-trip through safetensors with metadata", "[safetensors]") {
  const std::string dir = clmnist::test::temp_dir("st-roundtrip");
  for (const Model& m : {small_model(), small_mlp()}) {
    INFO("network " << m.network.describe());
    const std::string path = dir + "/m.safetensors";
    save_model(path, m);
    const Model l = load_model(path);
    CHECK(l.network == m.network);
    CHECK(l.params == m.params);
    for (const auto& [key, value] : m.metadata) CHECK(l.metadata.at(key) == value);
    CHECK(l.metadata.at("format") == "clmnist-network-2");
    CHECK(l.metadata.at("image_rows") == "2");
    CHECK(l.metadata.at("image_cols") == "3");
    CHECK(l.metadata.count("network") == 0);  // held as l.network, not as text
    const std::string bytes = clmnist::test::read_bytes(path);
    std::uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    CHECK(n % 8 == 0);
    CHECK(bytes[8] == '{');
    CHECK(bytes.size() == 8 + n + m.network.param_count() * 4);
    CHECK(encode_safetensors(read_safetensors(path)) == bytes);
    // Saving what was loaded gives the same file.
    save_model(dir + "/again.safetensors", l);
    CHECK(clmnist::test::read_bytes(dir + "/again.safetensors") == bytes);
  }
}

TEST_CASE("invalid safetensors files are rejected with a reason", "[safetensors]") {
  const std::string good = encode_safetensors(
      {{{"W", {{6, 4}, std::vector<float>(24, 1.0f)}}, {"b", {{4}, std::vector<float>(4, 0.0f)}}},
       {{"image_rows", "2"}, {"image_cols", "3"}}});
  const std::string w = R"("W":{"dtype":"F32","shape":[6,4],"data_offsets":[0,96]})";
  const std::string b = R"("b":{"dtype":"F32","shape":[4],"data_offsets":[96,112]})";
  const std::string meta = R"("__metadata__":{"image_rows":"2","image_cols":"3"})";
  struct Case {
    const char* what;
    std::string bytes;
    const char* message;
  };
  std::string huge = good;
  huge[5] = 0x7f;
  const std::vector<Case> cases = {
      {"under 8 bytes", "abc", "under 8"},
      {"header past end", good.substr(0, 20), "past the end"},
      {"absurd header", huge, "over the limit"},
      {"invalid JSON", with_header(good, "{\"W\": [1,"), "not valid JSON"},
      {"unknown dtype",
       with_header(good, "{" + meta + "," + b +
                             R"(,"W":{"dtype":"F16","shape":[6,4],"data_offsets":[0,96]}})"),
       "dtype"},
      {"shape disagrees",
       with_header(good, "{" + meta + "," + b +
                             R"(,"W":{"dtype":"F32","shape":[6,5],"data_offsets":[0,96]}})"),
       "elements"},
      {"out of range",
       with_header(good, "{" + meta + "," + w +
                             R"(,"b":{"dtype":"F32","shape":[4],"data_offsets":[96,128]}})"),
       "outside"},
      {"overlap",
       with_header(good, "{" + meta + "," + w +
                             R"(,"b":{"dtype":"F32","shape":[4],"data_offsets":[80,96]}})"),
       "overlapping"},
      {"uncovered bytes", good + std::string(8, '\0'), "not covered"},
      {"metadata not strings", with_header(good, "{" + w + "," + b + R"(,"__metadata__":{"x":1}})"),
       "not a string"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    CHECK_THROWS_WITH(decode_safetensors(c.bytes, "m"), Catch::Contains(c.message));
  }
  CHECK_NOTHROW(decode_safetensors(good, "m"));
}

TEST_CASE("model files with missing or misshapen tensors are rejected", "[safetensors]") {
  const std::string dir = clmnist::test::temp_dir("st-shapes");
  const std::string p = dir + "/m.safetensors";
  // The first format: W and b, the image size in the metadata.
  clmnist::test::write_bytes(p, encode_safetensors({{{"W", {{6, 4}, std::vector<float>(24)}}},
                                                    {{"image_rows", "2"}, {"image_cols", "3"}}}));
  CHECK_THROWS_WITH(load_model(p), Catch::Contains("'W' and 'b'"));
  clmnist::test::write_bytes(p, encode_safetensors({{{"W", {{5, 4}, std::vector<float>(20)}},
                                                     {"b", {{4}, std::vector<float>(4)}}},
                                                    {{"image_rows", "2"}, {"image_cols", "3"}}}));
  CHECK_THROWS_WITH(load_model(p), Catch::Contains("W must be [6 x classes]"));
  clmnist::test::write_bytes(p, encode_safetensors({{{"W", {{6, 4}, std::vector<float>(24)}},
                                                     {"b", {{4}, std::vector<float>(4)}}},
                                                    {{"image_rows", "2"}}}));
  CHECK_THROWS_WITH(load_model(p), Catch::Contains("lacks 'image_cols'"));
  CHECK_THROWS_AS(load_model(dir), DataError);
  CHECK_THROWS_AS(load_model(dir + "/absent"), DataError);

  // The second format: tensors by the names of the network in the metadata.
  const Model mlp = small_mlp();
  save_model(p, mlp);
  const SafeTensors good = read_safetensors(p);
  struct Case {
    const char* what;
    SafeTensors file;
    const char* message;
  };
  std::vector<Case> cases;
  auto add = [&](const char* what, const char* message, auto&& change) {
    SafeTensors st = good;
    change(st);
    cases.push_back({what, st, message});
  };
  add("unknown format", "unknown model format",
      [](SafeTensors& st) { st.metadata["format"] = "clmnist-network-9"; });
  add("network not JSON", "network description (metadata 'network') is not valid JSON",
      [](SafeTensors& st) { st.metadata["network"] = "{\"input\": "; });
  add("layers do not chain", "takes 7 inputs", [](SafeTensors& st) {
    const std::string from = "\"inputs\":5";
    std::string& net = st.metadata["network"];
    net.replace(net.find(from), from.size(), "\"inputs\":7");
  });
  add("unknown activation", "unknown activation", [](SafeTensors& st) {
    std::string& net = st.metadata["network"];
    net.replace(net.find("relu"), 4, "gelu");
  });
  add("tensor missing", "lacks tensor 'b2'", [](SafeTensors& st) {
    st.tensors.erase("b2");
    st.tensors["extra"] = {{3}, std::vector<float>(3)};
  });
  add("tensor too many", "holds 7 tensors", [](SafeTensors& st) {
    st.tensors["extra"] = {{3}, std::vector<float>(3)};
  });
  add("tensor misshapen", "tensor 'W2' must be [5 x 3]", [](SafeTensors& st) {
    st.tensors["W2"] = {{3, 5}, std::vector<float>(15)};
  });
  add("NaN", "NaN",
      [](SafeTensors& st) { st.tensors["b1"].data[2] = std::numeric_limits<float>::quiet_NaN(); });
  for (const Case& c : cases) {
    INFO(c.what);
    clmnist::test::write_bytes(p, encode_safetensors(c.file));
    CHECK_THROWS_WITH(load_model(p), Catch::Contains(c.message) && Catch::Contains(p));
  }
  clmnist::test::write_bytes(p, encode_safetensors(good));
  CHECK(load_model(p).params == mlp.params);
}

TEST_CASE("saving refuses parameters that do not fit the network", "[safetensors]") {
  const std::string dir = clmnist::test::temp_dir("st-unfit");
  Model m = small_mlp();
  m.params.erase("W2");
  CHECK_THROWS_AS(save_model(dir + "/m.safetensors", m), std::invalid_argument);
  m = small_mlp();
  m.params["W2"].pop_back();
  CHECK_THROWS_AS(save_model(dir + "/m.safetensors", m), std::invalid_argument);
  CHECK_FALSE(std::filesystem::exists(dir + "/m.safetensors"));
}

TEST_CASE("saving keeps the previous file when the write cannot happen", "[safetensors]") {
  const std::string dir = clmnist::test::temp_dir("st-atomic");
  const std::string p = dir + "/m.safetensors";
  Model m = small_model();
  save_model(p, m);
  const std::string before = clmnist::test::read_bytes(p);
  m.params["W"][0] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_AS(save_model(p, m), clmnist::DivergenceError);
  CHECK(clmnist::test::read_bytes(p) == before);
  CHECK_THROWS_AS(save_model(dir + "/no/such/dir/m.safetensors", small_model()), clmnist::Error);
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  CHECK(files == 1);  // no temporary file left behind
}

// Runs `f` with files limited to 64 kB (RLIMIT_FSIZE makes write() fail part-way with EFBIG,
// exactly as a full disk fails with ENOSPC); the clmnist::Error it throws, or "".
std::string error_with_64k_files(const std::function<void()>& f) {
  rlimit old{};
  getrlimit(RLIMIT_FSIZE, &old);
  auto* previous = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = 64 * 1024;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
  std::string error;
  try {
    f();
  } catch (const clmnist::Error& e) {
    error = e.what();
  }
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previous);
  return error;
}

TEST_CASE("a disk that fills up while saving leaves the previous file intact", "[safetensors]") {
  // RLIMIT_FSIZE makes write() fail part-way (EFBIG) exactly as a full disk (ENOSPC) would.
  const std::string dir = clmnist::test::temp_dir("st-full");
  const std::string p = dir + "/m.safetensors";
  save_model(p, small_model());
  const std::string before = clmnist::test::read_bytes(p);
  Model big = small_model();
  big.network = logistic_regression(100, 100, 4, 256.0);
  big.params["W"].assign(100 * 100 * 4, 0.5f);  // 160 kB, over the limit below
  const std::string error = error_with_64k_files([&] { save_model(p, big); });
  CHECK(error.find("previous file") != std::string::npos);
  CHECK(clmnist::test::read_bytes(p) == before);
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  CHECK(files == 1);
}

TEST_CASE("a group of outputs is written all or nothing", "[safetensors]") {
  // The second file does not fit (RLIMIT_FSIZE, as a full disk): the first keeps its old bytes.
  const std::string dir = clmnist::test::temp_dir("group-full");
  clmnist::test::write_bytes(dir + "/a", "old a");
  clmnist::test::write_bytes(dir + "/b", "old b");
  const std::string error = error_with_64k_files([&] {
    write_files_atomic({{dir + "/a", "new a"}, {dir + "/b", std::string(100 * 1024, 'b')}});
  });
  CHECK(error.find(dir + "/b") != std::string::npos);
  CHECK(clmnist::test::read_bytes(dir + "/a") == "old a");
  CHECK(clmnist::test::read_bytes(dir + "/b") == "old b");
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  CHECK(files == 2);  // no temporary file left
  // An output that cannot be written at all (a directory) stops the group before any rename.
  std::filesystem::create_directory(dir + "/c");
  CHECK_THROWS_WITH(write_files_atomic({{dir + "/a", "new a"}, {dir + "/c", "c"}}),
                    Catch::Contains(dir + "/c"));
  CHECK(clmnist::test::read_bytes(dir + "/a") == "old a");
  write_files_atomic({{dir + "/a", "new a"}, {dir + "/b", "new b"}});
  CHECK(clmnist::test::read_bytes(dir + "/a") == "new a");
  CHECK(clmnist::test::read_bytes(dir + "/b") == "new b");
}
