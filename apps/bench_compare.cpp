// `clmnist bench compare`: the headline figures of several bench records (runs, machines) in one
// table, as ratios to a baseline, with a warning where repeated runs of one device disagree by
// more than their own spread, and the same as a bar chart.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "bench.hpp"
#include "charts.hpp"
#include "cli_common.hpp"
#include "errors.hpp"
#include "input_file.hpp"
#include "json_read.hpp"
#include "json_text.hpp"
#include "output_file.hpp"
#include "shown_text.hpp"
#include "text.hpp"

namespace clmnist::apps {
namespace {

using nlohmann::json;

struct CompareRow {
  std::size_t record = 0;  // 1-based, in the order given
  std::string file, host, device, key;
  double us = 0, us_min = 0, us_max = 0, samples_per_second = 0, epochs_per_second = 0;
  std::string load;  // the 1-minute load average before and after, where recorded
  std::string work;  // the protocol measured: "preset theano, batch 600"
};

// What a record measured: its preset and minibatch (a ratio of different work means nothing).
std::string work_of(const json& j) {
  const json protocol = j.value("protocol", json::object());
  const json preset = protocol.value("preset", j.value("options", json::object()).value("preset", json()));
  const json batch = protocol.value("batch_size", json());
  return "preset " + (preset.is_string() ? preset.get<std::string>() : std::string("?")) +
         ", batch " + (batch.is_number_unsigned() ? std::to_string(batch.get<std::uint64_t>()) : "?");
}

// Throws DataError naming the records unless every row measured the same work.
void check_same_work(const std::vector<CompareRow>& rows) {
  for (const CompareRow& r : rows) {
    if (r.work == rows.front().work) continue;
    throw DataError("the records measured different work: " + rows.front().file + " (" +
                    rows.front().work + ") and " + r.file + " (" + r.work +
                    "); compare records of one preset and minibatch at a time");
  }
}

using runtime::lowercase;
using runtime::shown_text;

std::string load_text(const json& context) {
  const json before = context.value("load_average_before", json());
  const json after = context.value("load_average_after", json());
  if (!before.is_array() || !after.is_array() || before.empty() || after.empty()) return "";
  char text[64];
  std::snprintf(text, sizeof text, "load %.2f -> %.2f", before[0].get<double>(),
                after[0].get<double>());
  return text;
}

// The passed devices of one record. Throws DataError naming the file for anything else than a
// bench record of schema 1 or 2.
std::vector<CompareRow> read_record(const std::string& file, std::size_t record) {
  const std::string text = model::read_input_file(file, 64u << 20, "a bench record");
  std::vector<CompareRow> rows;
  try {
    const json j = runtime::parse_json_bounded(text);
    const json version = j.is_object() ? j.value("schema_version", json()) : json();
    if (!version.is_number_integer() || (version.get<int>() != 1 && version.get<int>() != 2)) {
      throw DataError(file + ": schema_version " +
                      (version.is_null() ? std::string("missing") : runtime::shown_json(version)) +
                      "; clmnist bench compare reads records of `clmnist bench --json`, schema "
                      "1 or " +
                      std::to_string(kBenchSchemaVersion) +
                      " (rerun that clmnist bench with this version)");
    }
    const json context = j.value("context", json::object());
    const std::string work = work_of(j);
    const std::string host = context.value("host_name", json()).is_string()
                                 ? context["host_name"].get<std::string>()
                                 : "?";
    for (const json& d : j.at("devices")) {
      if (!d.at("correctness").at("passed").get<bool>()) continue;
      const json& dev = d.at("device");
      const json& train = d.at("train");
      CompareRow r;
      r.record = record;
      r.file = file;
      r.host = host;
      r.device = dev.value("stable_address", json()).is_string()
                     ? dev["stable_address"].get<std::string>()
                     : dev.at("name").get<std::string>();
      r.key = host + "\n" + r.device;
      r.us = train.at("us_per_iteration").get<double>();
      r.us_min = train.at("us_per_iteration_min").get<double>();
      r.us_max = train.at("us_per_iteration_max").get<double>();
      r.samples_per_second = train.at("samples_per_second").get<double>();
      r.epochs_per_second = train.at("epochs_per_second").get<double>();
      r.load = load_text(context);
      r.work = work;
      rows.push_back(r);
    }
  } catch (const json::exception& e) {
    throw DataError(file + ": not a clmnist bench record (" + model::json_error_text(e) +
                    "); write one with clmnist bench --json FILE");
  }
  return rows;
}

// --baseline: a record number (its first device) or a part of a device's address or name.
std::size_t baseline_row(const std::vector<CompareRow>& rows, const std::string& spec,
                         std::size_t records) {
  if (spec.empty()) return 0;
  if (std::all_of(spec.begin(), spec.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const unsigned long n = std::stoul(spec.substr(0, 9));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].record == n) return i;
    }
    throw UsageError("--baseline " + spec + ": there is no record " + spec +
                     " with a passed "
                     "device; give 1.." +
                     std::to_string(records) + " or part of a device name");
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (lowercase(rows[i].device).find(lowercase(spec)) != std::string::npos) return i;
  }
  throw UsageError("--baseline '" + spec +
                   "': no device of the records matches; give a record "
                   "number or part of a device address as the table shows it");
}

// Repeated runs of one device on one host whose medians differ by more than the wider of their
// min..max spreads: the machine was not quiet, or the runs were too short.
void print_noise_warnings(const std::vector<CompareRow>& rows, std::ostream& out) {
  for (std::size_t a = 0; a < rows.size(); ++a) {
    for (std::size_t b = a + 1; b < rows.size(); ++b) {
      if (rows[a].key != rows[b].key) continue;
      const double diff = std::abs(rows[a].us - rows[b].us);
      const double spread =
          std::max(rows[a].us_max - rows[a].us_min, rows[b].us_max - rows[b].us_min);
      if (diff <= spread) continue;
      char figures[96];  // the names go around it whole, however long
      std::snprintf(figures, sizeof figures,
                    "differ by %.1f us/iter, more than their min..max spread (%.1f us)", diff,
                    spread);
      out << "noise: rows " << a + 1 << " and " << b + 1 << " (" << shown_text(rows[a].device)
          << " on " << shown_text(rows[a].host) << ") " << figures;
      if (!rows[a].load.empty() || !rows[b].load.empty()) {
        out << "; " << (rows[a].load.empty() ? "?" : rows[a].load) << " vs "
            << (rows[b].load.empty() ? "?" : rows[b].load);
      }
      out << "\n";
    }
  }
}

// The host and device names of the records are shown whole but escaped (runtime::shown_text):
// a record is a file from anywhere, and its names must not act on the terminal. Each cell is
// padded as text, so that no name is too long for the line.
void print_compare_table(const std::vector<CompareRow>& rows, std::size_t base, std::ostream& out) {
  std::vector<std::string> hosts = {"host"}, devices = {"device"};
  for (const CompareRow& r : rows) {
    hosts.push_back(shown_text(r.host));
    devices.push_back(shown_text(r.device));
  }
  std::size_t host_w = 0, dev_w = 0;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    host_w = std::max(host_w, hosts[i].size());
    dev_w = std::max(dev_w, devices[i].size());
  }
  const auto names = [&](std::size_t i) {
    return hosts[i] + std::string(host_w - hosts[i].size() + 2, ' ') + devices[i] +
           std::string(dev_w - devices[i].size() + 2, ' ');
  };
  char line[160];
  std::snprintf(line, sizeof line, "%10s %11s %9s %11s\n", "us/iter", "samples/s", "epochs/s",
                "vs baseline");
  out << "#   record " << names(0) << line;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const CompareRow& r = rows[i];
    char lead[48];
    std::snprintf(lead, sizeof lead, "%-3zu %-6zu ", i + 1, r.record);
    std::snprintf(line, sizeof line, "%10.1f %11.0f %9.3f %10.3fx%s\n", r.us, r.samples_per_second,
                  r.epochs_per_second, r.samples_per_second / rows[base].samples_per_second,
                  i == base ? " (baseline)" : "");
    out << lead << names(i + 1) << line;
  }
}

OutputFiles compare_picture(const std::string& path, const std::vector<CompareRow>& rows,
                            std::size_t base) {
  BarChart chart{"Steady-state training; ratios to row " + std::to_string(base + 1) + " (" +
                     rows[base].host + " " + rows[base].device + ")",
                 "samples/s",
                 {}};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    // The row number leads: the label area holds about 38 characters, the table the full names.
    char lead[48];
    std::snprintf(lead, sizeof lead, "%zu: %.2fx ", i + 1,
                  rows[i].samples_per_second / rows[base].samples_per_second);
    const std::string label = shown_text(lead + rows[i].host + " " + rows[i].device, 35);
    chart.bars.push_back({label, rows[i].samples_per_second, palette(rows[i].record - 1)});
  }
  const int height = static_cast<int>(70 + 34.0 * static_cast<double>(rows.size()));
  OutputFiles out;
  const bool png = lowercase(path).size() >= 4 && lowercase(path).substr(path.size() - 4) == ".png";
  if (png) {
    PngPainter p(1000, height);
    draw_bar_chart(p, 0, 0, 1000, height, chart);
    out.emplace_back(path, p.encode());
  } else {
    SvgPainter p(1000, height);
    draw_bar_chart(p, 0, 0, 1000, height, chart);
    out.emplace_back(path, p.finish());
  }
  return out;
}

}  // namespace

int run_bench_compare(int argc, char** argv) {
  std::vector<std::string> files;
  std::string baseline, plot;
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")  //
      ("record", po::value(&files)->composing()->value_name("FILE"),
       "bench records (positional)")  //
      ("baseline", po::value(&baseline)->value_name("N|DEVICE"),
       "the row every ratio is to: a record number (its first device) or part of a device's "
       "address (default: the first record's first device)")  //
      ("plot", po::value(&plot)->value_name("FILE"),
       "also draw the comparison as a bar chart: FILE.svg or FILE.png");
  po::positional_options_description positional;
  positional.add("record", -1);
  po::variables_map vm;
  if (!parse_command_line(
          argc, argv, desc,
          "Usage: clmnist bench compare A.json B.json ... [--baseline N|DEVICE] [--plot FILE]\n\n"
          "Puts the headline figures of `clmnist bench --json` records side by side: one row per "
          "device that passed its check, in the order given, with us/iter, samples/s, epochs/s "
          "and the ratio of samples/s to the baseline. Where two records hold the same device "
          "(same address, same host) and their medians differ by more than their min..max "
          "spread, a noise warning follows the table. Records of different work (preset or "
          "minibatch) are refused. Reads records of schema 1 and 2.\n\n"
          "Examples:\n  clmnist bench compare monday.json tuesday.json\n"
          "  clmnist bench compare a.json b.json --baseline host --plot compare.svg",
          vm, &positional)) {
    return 0;
  }
  if (files.empty()) throw UsageError("give at least one bench record (clmnist bench --json)");
  if (!plot.empty()) require_writable_target("plot", plot);
  std::vector<NamedPath> inputs = {config_input(vm)};
  for (const std::string& f : files) inputs.push_back({"record", f});
  require_distinct_files({{"plot", plot}}, inputs);
  std::vector<CompareRow> rows;
  for (std::size_t i = 0; i < files.size(); ++i) {
    for (CompareRow& r : read_record(files[i], i + 1)) rows.push_back(std::move(r));
  }
  if (rows.empty()) throw DataError("no device passed its check in any of the records given");
  check_same_work(rows);
  const std::size_t base = baseline_row(rows, baseline, files.size());
  print_compare_table(rows, base, std::cout);
  print_noise_warnings(rows, std::cout);
  if (!plot.empty()) {
    for (const auto& [path, bytes] : compare_picture(plot, rows, base))
      model::write_file_atomic(path, bytes);
  }
  return 0;
}

}  // namespace clmnist::apps
