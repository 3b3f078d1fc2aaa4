// Model files and initial parameters: the weight init against golden values of the Theano
// tutorial's draw, model files of the second format round-tripping for softmax regression and an
// MLP, and a file of the first format (tests/data/model_v1.safetensors) still loading.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <string>

#include "networks.hpp"
#include "network_model.hpp"
#include "presets.hpp"
#include "safetensors.hpp"
#include "sha256.hpp"
#include "test_support.hpp"

using namespace clmnist;

namespace {

std::string data_file(const std::string& name) {
  return std::string(CLMNIST_TEST_DATA_DIR) + "/" + name;
}

}  // namespace

TEST_CASE("SHA-256 matches the standard's vectors", "[init]") {
  CHECK(model::sha256_hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(model::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Two blocks (56 bytes: the length no longer fits the first).
  CHECK(model::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(model::sha256_hex(std::string(1000, 'a')) ==
        "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST_CASE("initial parameters of theano-mlp are the tutorial's draw from RandomState(1234)",
          "[init]") {
  const runtime::NetworkSpec net =
      model::network_for(model::preset_config("theano-mlp"), 28, 28, 10);
  REQUIRE(net.describe() == "784-500 tanh-10 softmax");
  const runtime::ParamValues p = model::initial_params(net, 1234);
  REQUIRE(p.size() == 4);
  const std::vector<float>& w1 = p.at("W1");
  REQUIRE(w1.size() == 784 * 500);
  // numpy: RandomState(1234).uniform(-sqrt(6 / 1284), sqrt(6 / 1284), (784, 500)), as float32.
  CHECK(w1[0] == static_cast<float>(-0.04217459261417389));
  CHECK(w1[1] == static_cast<float>(0.016694366931915283));
  CHECK(w1[2] == static_cast<float>(-0.00851368810981512));
  CHECK(w1[783 * 500 + 499] == static_cast<float>(-0.031039884313941002));
  CHECK(model::sha256_hex(test::le_bytes(w1)) ==
        "5df4c7b682dcbde23aa85498d8ca81cc7c865118cbbbeaea42863436f554275a");
  const double high = std::sqrt(6.0 / 1284.0);
  float lo = 1, hi = -1;
  for (float v : w1) lo = std::min(lo, v), hi = std::max(hi, v);
  CHECK(lo >= -high);
  CHECK(hi <= high);
  CHECK(hi - lo > 1.99 * high);  // the whole range is used
  for (const char* zero : {"b1", "W2", "b2"}) {
    INFO(zero);
    CHECK(p.at(zero) == std::vector<float>(net.param(zero).size(), 0.0f));
  }
  CHECK(p.at("W2").size() == 500 * 10);
  // The seed matters, and the same seed draws the same values.
  CHECK(model::initial_params(net, 1234) == p);
  CHECK(model::initial_params(net, 1235).at("W1") != w1);
}

TEST_CASE("softmax regression starts at zero", "[init]") {
  const runtime::NetworkSpec net = model::network_for(model::preset_config("theano"), 28, 28, 10);
  const runtime::ParamValues p = model::initial_params(net, 1234);
  REQUIRE(p.size() == 2);
  CHECK(p.at("W") == std::vector<float>(7840, 0.0f));
  CHECK(p.at("b") == std::vector<float>(10, 0.0f));
}

TEST_CASE("model files of the second format round-trip every preset's network", "[model_file]") {
  const std::string dir = test::temp_dir("model-v2");
  for (const char* preset : {"theano", "theano-mlp", "tensorflow"}) {
    INFO("preset " << preset);
    model::Model m;
    m.network = model::network_for(model::preset_config(preset), 28, 28, 10);
    // Random values everywhere (initial_params leaves zeros), so a mix-up of tensors shows.
    m.params = test::random_params(m.network, 31, -0.5f, 0.5f);
    m.metadata = {{"preset", preset}, {"learning_rate", "0.13"}, {"device", "test"}};
    const std::string path = dir + "/" + preset + ".safetensors";
    model::save_model(path, m);
    const model::Model l = model::load_model(path);
    CHECK(l.network == m.network);
    CHECK(l.network.pixel_divisor == m.network.pixel_divisor);
    REQUIRE(l.params.size() == m.params.size());
    for (const auto& [name, values] : m.params) {
      INFO("parameter " << name);
      CHECK(l.param(name) == values);  // bit for bit
    }
    for (const auto& [key, value] : m.metadata) CHECK(l.metadata.at(key) == value);
    CHECK(l.metadata.at("format") == "clmnist-network-2");
    // The tensors are stored by name in the canonical layout, W [inputs x outputs].
    const model::SafeTensors st = model::read_safetensors(path);
    for (const runtime::ParamSpec& p : m.network.params()) {
      INFO("tensor " << p.name);
      REQUIRE(st.tensors.count(p.name) == 1);
      CHECK(st.tensors.at(p.name).shape ==
            std::vector<std::uint64_t>(p.shape.begin(), p.shape.end()));
      CHECK(st.tensors.at(p.name).data == m.params.at(p.name));
    }
    CHECK(runtime::network_from_json(st.metadata.at("network")) == m.network);
  }
}

// tests/data/model_v1.safetensors was written by the clmnist before the network refactor (commit
// df14fab): tests/make_tiny_mnist.py DIR, then
//   clmnist train --device host --data-dir DIR --validation-size 200 --batch-size 50 \
//     --max-steps 3 --validation-frequency 3 --pixel-divisor 255 --save-model model_v1.safetensors
// The values below were read from it with numpy (tests/interop/read_safetensors.py).
TEST_CASE("model files of the first format load as softmax regression", "[model_file]") {
  const std::string path = data_file("model_v1.safetensors");
  const model::Model m = model::load_model(path);
  CHECK(m.network == model::logistic_regression(8, 9, 5, 255.0));
  CHECK(m.network.pixel_divisor == 255.0);
  CHECK(m.metadata.at("format") == "clmnist-softmax-regression-1");
  CHECK(m.metadata.at("preset") == "theano");
  CHECK(m.metadata.at("learning_rate") == "0.13");
  CHECK(m.metadata.at("batch_size") == "50");
  CHECK(m.metadata.at("backend") == "host");
  REQUIRE(m.params.size() == 2);
  const std::vector<float>& w = m.param("W");
  const std::vector<float>& b = m.param("b");
  REQUIRE(w.size() == 72 * 5);
  CHECK(b == std::vector<float>{static_cast<float>(-0.001323544536717236),
                                static_cast<float>(-0.002968492452055216),
                                static_cast<float>(-0.0002896861988119781),
                                static_cast<float>(0.0025447309017181396),
                                static_cast<float>(0.002036990597844124)});
  // W [72 x 5], row-major: W[i, j] at i * 5 + j.
  CHECK(w[0 * 5 + 0] == static_cast<float>(-0.014284571632742882));
  CHECK(w[0 * 5 + 4] == static_cast<float>(0.02602432854473591));
  CHECK(w[5 * 5 + 2] == static_cast<float>(0.00040349853225052357));
  CHECK(w[37 * 5 + 1] == static_cast<float>(-0.004370194859802723));
  CHECK(w[71 * 5 + 4] == static_cast<float>(0.0028080777265131474));
  CHECK(model::sha256_hex(test::le_bytes(w)) ==
        "2e20f6baafdfa240a34415ca009b584e1e2c36028104faec77ed6a1f1971b177");
  CHECK(model::sha256_hex(test::le_bytes(b)) ==
        "3560cb3e94fae96f0416a057a2fee4b568e957395c9ecc6e0afd1cb7050f07ad");
  double abs_sum = 0;
  for (float v : w) abs_sum += std::fabs(static_cast<double>(v));
  CHECK(abs_sum == Approx(5.883098118240014).epsilon(1e-12));

  // Saved again, it becomes a file of the second format with the same contents.
  const std::string again = test::temp_dir("model-v1") + "/v2.safetensors";
  model::save_model(again, m);
  const model::Model l = model::load_model(again);
  CHECK(l.metadata.at("format") == "clmnist-network-2");
  CHECK(l.network == m.network);
  CHECK(l.params == m.params);
  CHECK(l.metadata.at("preset") == "theano");
}

TEST_CASE("a network description from a file is checked before anything uses it", "[model_file]") {
  const runtime::NetworkSpec good =
      model::network_for(model::preset_config("theano-mlp"), 28, 28, 10);
  const std::string json = runtime::to_json(good);
  CHECK(runtime::network_from_json(json) == good);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = json;
    const std::size_t at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  // The last layer feeds the softmax head: an activation there would be ignored by training and
  // applied by the ONNX export.
  CHECK_THROWS_WITH(
      runtime::network_from_json(with(R"("activation":"none")", R"("activation":"tanh")")),
      Catch::Contains("takes no activation"));
  // Parameter names become file and ONNX value names.
  for (const char* name : {"../../x", "W 1", "", "pixels", "z1", "probabilities", "_W"}) {
    INFO(name);
    CHECK_THROWS_WITH(runtime::network_from_json(
                          with(R"("weight":"W1")", std::string(R"("weight":")") + name + "\"")),
                      Catch::Contains("parameter name"));
  }
  // A pixel scale that leaves the float range.
  for (const char* div : {"1e-300", "1e300", "0", "-256"}) {
    INFO(div);
    CHECK_THROWS_WITH(runtime::network_from_json(with(R"("pixel_divisor":256.0)",
                                                      std::string(R"("pixel_divisor":)") + div)),
                      Catch::Contains("pixel divisor"));
  }
}

TEST_CASE("a conv network's description round-trips and its damage is named", "[model_file]") {
  const runtime::NetworkSpec lenet =
      model::network_for(model::preset_config("theano-lenet"), 28, 28, 10);
  const std::string json = runtime::to_json(lenet);
  CHECK(runtime::network_from_json(json) == lenet);
  CHECK(lenet.shapes().back().size() == 10);
  CHECK(lenet.shapes()[7].size() == 800);  // what the flatten hands the dense tail
  // 2 * (20*24*24*25 + 50*8*8*500 + 800*500 + 500*10) multiply-adds of one sample's forward pass.
  CHECK(lenet.forward_flops() == 2.0 * (288000 + 1600000 + 400000 + 5000));
  // The bounds Theano draws from: sqrt(6 / (25 + 125)) and sqrt(6 / (500 + 312)), 312 = 1250 // 4.
  CHECK(lenet.param("W0").init_bound == Approx(std::sqrt(6.0 / 150)));
  CHECK(lenet.param("W1").init_bound == Approx(std::sqrt(6.0 / 812)));
  CHECK(lenet.param("W3").init_bound == 0.0);
  CHECK(lenet.param("b0").shape == std::vector<std::size_t>{20});
  CHECK_FALSE(lenet.param("b1").decay);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = json;
    const std::size_t at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  CHECK_THROWS_WITH(runtime::network_from_json(with(R"("kernel":5)", R"("kernel":29)")),
                    Catch::Contains("29x29 kernel over 28x28 maps"));
  CHECK_THROWS_WITH(runtime::network_from_json(with(R"("window":2)", R"("window":0)")),
                    Catch::Contains("max_pool) has a window of 0"));
  CHECK_THROWS_WITH(runtime::network_from_json(with(R"("type":"max_pool")", R"("type":"avg")")),
                    Catch::Contains("allowed: dense, conv2d, max_pool, activation, flatten"));
  CHECK_THROWS_WITH(runtime::network_from_json(with(R"("inputs":800)", R"("inputs":784)")),
                    Catch::Contains("takes 784 inputs but receives 800"));
  CHECK_THROWS_WITH(runtime::network_from_json(with(R"("filters":50)", R"("filters":1048577)")),
                    Catch::Contains("a layer's width 1048577 is over the 1048576"));
  // The key-by-key check of a model file names the layer and the key.
  CHECK_THROWS_WITH(model::parse_network(with(R"("filters":20,)", ""), "m.safetensors"),
                    Catch::Contains("lacks layers[0].filters"));
}
