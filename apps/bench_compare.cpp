// `clmnist bench compare`: the headline figures of several bench records (runs, machines) side
// by side, one column a device, with each record's date, commit, preset and context, the ratio
// to a baseline and whether the runs' own min..max spread can tell the two apart. Records of
// different work are refused; options that differ are named.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bench.hpp"
#include "bench_read.hpp"
#include "charts.hpp"
#include "cli_common.hpp"
#include "cli_help.hpp"
#include "column_table.hpp"
#include "errors.hpp"
#include "json_text.hpp"
#include "output_file.hpp"
#include "shown_text.hpp"
#include "text.hpp"

namespace clmnist::apps {
namespace {

using nlohmann::json;
using runtime::lowercase;

// A string from a record as the terminal may show it (runtime::shown_text: escapes written as
// text), a crafted record's string cut at 120 bytes.
std::string printable(const std::string& s) { return runtime::shown_text(s, 120); }

struct CompareRow {
  std::size_t record = 0;  // 1-based, in the order given
  std::string file, host, device, path, date, commit, work, load;
  std::size_t runs = 0;
  double us = 0, us_min = 0, us_max = 0, samples_per_second = 0, epochs_per_second = 0;
};

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string load_text(const json& context) {
  const json before = context.value("load_average_before", json());
  const json after = context.value("load_average_after", json());
  if (!before.is_array() || !after.is_array() || before.empty() || after.empty() ||
      !before[0].is_number() || !after[0].is_number()) {
    return "?";
  }
  return fmt("%.2f", before[0].get<double>()) + " -> " + fmt("%.2f", after[0].get<double>());
}

// The devices of one record that passed their check.
std::vector<CompareRow> rows_of(const BenchRecord& rec, std::size_t record) {
  std::vector<CompareRow> rows;
  try {
    const json context = rec.j.value("context", json::object());
    for (const json& d : rec.j.at("devices")) {
      if (!d.at("correctness").at("passed").get<bool>()) continue;
      const json& dev = d.at("device");
      const json& train = d.at("train");
      CompareRow r;
      r.record = record;
      r.file = rec.file;
      r.host = printable(field_text(context, "host_name"));
      r.device = printable(dev.value("stable_address", json()).is_string()
                               ? dev["stable_address"].get<std::string>()
                               : dev.at("name").get<std::string>());
      r.path = printable(field_text(train, "path"));
      r.date = printable(record_date(rec.j));
      r.commit = printable(record_commit(rec.j));
      r.work = printable(record_preset(rec.j)) + ", batch " + printable(record_batch(rec.j));
      r.load = load_text(context);
      r.runs = record_runs(rec.j);
      r.us = train.at("us_per_iteration").get<double>();
      r.us_min = train.at("us_per_iteration_min").get<double>();
      r.us_max = train.at("us_per_iteration_max").get<double>();
      r.samples_per_second = train.at("samples_per_second").get<double>();
      r.epochs_per_second = train.at("epochs_per_second").get<double>();
      rows.push_back(r);
    }
  } catch (const json::exception& e) {
    throw DataError(rec.file + ": not a clmnist bench record (" + model::json_error_text(e) +
                    "); write one with clmnist bench --json FILE");
  }
  return rows;
}

// Throws DataError naming the records and the fields unless every record measured the same work
// (a ratio of different work means nothing).
void check_same_work(const std::vector<BenchRecord>& records) {
  const json& first = records.front().j;
  for (std::size_t i = 1; i < records.size(); ++i) {
    std::string differ;
    for (const auto& [name, value] :
         {std::pair{"preset", &record_preset}, std::pair{"batch", &record_batch}}) {
      const std::string a = printable(value(first)), b = printable(value(records[i].j));
      if (a != b) differ += std::string(differ.empty() ? "" : ", ") + name + " " + a + " vs " + b;
    }
    if (differ.empty()) continue;
    throw DataError("records 1 (" + records.front().file + ") and " + std::to_string(i + 1) + " (" +
                    records[i].file + ") measured different work: " + differ +
                    "; compare records of one preset and minibatch at a time (clmnist bench "
                    "report --html puts every preset on one page)");
  }
}

// The options of a record that change what its figures mean, by name (the device list and the
// tuning file's path say what ran where, not how, and are left out).
std::vector<std::pair<std::string, std::string>> options_of(const json& record) {
  std::vector<std::pair<std::string, std::string>> o;
  const json options = record.value("options", json::object());
  if (options.is_object()) {
    for (const auto& [key, value] : options.items()) {
      if (key == "device" || key == "tuning_file") continue;
      o.emplace_back(key, printable(field_text(options, key, "null")));
    }
  }
  return o;
}

// "runs 1 (record 1: 5), quick true (record 1: false)": what record `r` set otherwise than the
// baseline's record; "" when nothing.
std::string differing_options(const std::vector<BenchRecord>& records, std::size_t r,
                              std::size_t base) {
  const auto mine = options_of(records[r].j), theirs = options_of(records[base].j);
  std::string out;
  auto value_in = [](const auto& options, const std::string& key) {
    for (const auto& [k, v] : options) {
      if (k == key) return v;
    }
    return std::string("absent");
  };
  std::vector<std::string> keys;
  for (const auto& [k, v] : mine) keys.push_back(k);
  for (const auto& [k, v] : theirs) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  }
  for (const std::string& k : keys) {
    const std::string a = value_in(mine, k), b = value_in(theirs, k);
    if (a == b) continue;
    out += (out.empty() ? "" : ", ") + k + " " + a + " (record " + std::to_string(base + 1) + ": " +
           b + ")";
  }
  return out;
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
                     " with a passed device; give 1.." + std::to_string(records) +
                     " or part of a device name");
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (lowercase(rows[i].device).find(lowercase(spec)) != std::string::npos) return i;
  }
  throw UsageError("--baseline '" + spec +
                   "': no device of the records matches; give a record "
                   "number or part of a device address as the table shows it");
}

enum class Verdict { kBaseline, kNoSpread, kNoise, kFaster, kSlower };

// Whether the runs' own min..max spread tells a column from the baseline: ranges that overlap
// are noise; a single run has no spread to judge by.
Verdict verdict(const CompareRow& r, const CompareRow& base, bool is_base) {
  if (is_base) return Verdict::kBaseline;
  if (r.runs < 2 || base.runs < 2) return Verdict::kNoSpread;
  if (r.us_min <= base.us_max && base.us_min <= r.us_max) return Verdict::kNoise;
  return r.us < base.us ? Verdict::kFaster : Verdict::kSlower;
}

std::string runs_text(std::size_t runs) {
  return runs == 0 ? "? runs" : std::to_string(runs) + (runs == 1 ? " run" : " runs");
}

// The judgement of every column against the baseline, one indented line each.
std::string judgements(const std::vector<CompareRow>& rows, std::size_t base) {
  std::string out;
  const CompareRow& b = rows[base];
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Verdict v = verdict(rows[i], b, i == base);
    if (v == Verdict::kBaseline) continue;
    const CompareRow& r = rows[i];
    out += "  #" + std::to_string(i + 1) + " against #" + std::to_string(base + 1) + ": " +
           fmt("%.3fx", r.samples_per_second / b.samples_per_second) + " the samples/s; us/iter " +
           fmt("%.1f", r.us_min) + ".." + fmt("%.1f", r.us_max) + " over " + runs_text(r.runs) +
           " against " + fmt("%.1f", b.us_min) + ".." + fmt("%.1f", b.us_max) + " over " +
           runs_text(b.runs) + ": ";
    if (v == Verdict::kNoSpread) {
      out += "a single run has no spread to judge by (bench --runs 5 gives one)\n";
    } else if (v == Verdict::kNoise) {
      out += "the spreads overlap, so the difference is within the runs' own noise\n";
    } else {
      out += std::string("the spreads do not overlap: ") +
             (v == Verdict::kFaster ? "faster" : "slower") + " beyond the runs' own noise\n";
    }
  }
  return out;
}

ColumnTable compare_table(const std::vector<CompareRow>& rows, std::size_t base,
                          const std::vector<bool>& options_differ) {
  ColumnTable t;
  const std::string vs = "vs #" + std::to_string(base + 1);
  const char* labels[] = {"record",    "date",     "commit", "host",    "preset",
                          "device",    "path",     "runs",   "us/iter", "  min..max",
                          "samples/s", "epochs/s", "load",   "options", vs.c_str()};
  for (const char* l : labels) t.rows.push_back({l, {}});
  const char* words[] = {"baseline", "no spread", "noise", "faster", "slower"};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const CompareRow& r = rows[i];
    t.header.push_back("#" + std::to_string(i + 1));
    const Verdict v = verdict(r, rows[base], i == base);
    const std::string cells[] = {
        std::to_string(r.record),
        r.date,
        r.commit,
        r.host,
        r.work,
        r.device,
        r.path,
        std::to_string(r.runs),
        fmt("%.1f", r.us),
        fmt("%.1f", r.us_min) + ".." + fmt("%.1f", r.us_max),
        fmt("%.0f", r.samples_per_second),
        fmt("%.3f", r.epochs_per_second),
        r.load,
        r.record == rows[base].record  ? "-"
        : options_differ[r.record - 1] ? "differ"
                                       : "same",
        fmt("%.3fx ", r.samples_per_second / rows[base].samples_per_second) +
            words[static_cast<int>(v)]};
    for (std::size_t k = 0; k < t.rows.size(); ++k) t.rows[k].cells.push_back(cells[k]);
  }
  return t;
}

OutputFiles compare_picture(const std::string& path, const std::vector<CompareRow>& rows,
                            std::size_t base) {
  BarChart chart{"Steady-state training; ratios to #" + std::to_string(base + 1) + " (" +
                     rows[base].host + " " + rows[base].device + ")",
                 "samples/s",
                 {}};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    // The column number leads: the label area holds about 38 characters, the table the full names.
    char lead[48];
    std::snprintf(lead, sizeof lead, "%zu: %.2fx ", i + 1,
                  rows[i].samples_per_second / rows[base].samples_per_second);
    // Cut within the label area, between characters (host and device are shown already).
    const std::string label = runtime::shown_text(lead + rows[i].host + " " + rows[i].device, 35);
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

// "  record 1: PATH", a line a record; a path is broken at its slashes, never cut (wrap_text
// breaks at spaces only).
std::string record_list(const std::vector<std::string>& files, unsigned width) {
  std::string text;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string lead = "  record " + std::to_string(i + 1) + ": ";
    const std::size_t room = width > lead.size() + 20 ? width - lead.size() : 20;
    const std::vector<std::string> pieces = break_cell(printable(files[i]), room);
    for (std::size_t k = 0; k < pieces.size(); ++k) {
      text += (k == 0 ? lead : std::string(lead.size(), ' ')) + pieces[k] + "\n";
    }
  }
  return text;
}

const char* kCompareUsage =
    "Usage: clmnist bench compare A.json B.json ... [--baseline N|DEVICE] [--plot FILE]\n\n"
    "Puts the headline figures of `clmnist bench --json` records side by side: one column per "
    "device that passed its check, in the order given, with its record's date, commit, host, "
    "preset and load average, us/iter with the min..max of its runs, samples/s, epochs/s and the "
    "ratio of samples/s to the baseline. Below the table each column is judged against the "
    "baseline by the runs' own spread: min..max ranges that overlap are noise, ranges apart are a "
    "difference, and a single run has no spread to judge by; each judgement says how many runs it "
    "had. Records of different work (preset or minibatch) are refused; options that differ from "
    "the baseline record's (runs, --quick, families, impl, --tune) are marked in the table and "
    "named below it. The table fits the terminal (80 columns where it is not one): columns that "
    "do not fit continue below. Reads records of schema 1 and 2; `clmnist bench report` draws "
    "records of every preset as an HTML page.\n\n"
    "Examples:\n  clmnist bench compare monday.json tuesday.json\n"
    "  clmnist bench compare a.json b.json --baseline host --plot compare.svg";

}  // namespace

int run_bench_compare(int argc, char** argv) {
  std::vector<std::string> files;
  std::string baseline, plot;
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")  //
      ("record", po::value(&files)->composing()->value_name("FILE"),
       "bench records (positional)")  //
      ("baseline", po::value(&baseline)->value_name("N|DEVICE"),
       "the column every ratio is to: a record number (its first device) or part of a device's "
       "address (default: the first record's first device)")  //
      ("plot", po::value(&plot)->value_name("FILE"),
       "also draw the comparison as a bar chart: FILE.svg or FILE.png");
  po::positional_options_description positional;
  positional.add("record", -1);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, kCompareUsage, vm, &positional)) return 0;
  if (files.empty()) throw UsageError("give at least one bench record (clmnist bench --json)");
  if (!plot.empty()) require_writable_target("plot", plot);
  std::vector<NamedPath> inputs = {config_input(vm)};
  for (const std::string& f : files) inputs.push_back({"record", f});
  require_distinct_files({{"plot", plot}}, inputs);
  std::vector<BenchRecord> records;
  std::vector<CompareRow> rows;
  for (std::size_t i = 0; i < files.size(); ++i) {
    records.push_back(read_bench_record(files[i]));
    for (CompareRow& r : rows_of(records.back(), i + 1)) rows.push_back(std::move(r));
  }
  check_same_work(records);
  if (rows.empty()) throw DataError("no device passed its check in any of the records given");
  const std::size_t base = baseline_row(rows, baseline, files.size());
  const std::size_t base_record = rows[base].record - 1;
  const unsigned width = text_width();
  std::vector<bool> options_differ;
  std::string differences;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::string d = differing_options(records, i, base_record);
    options_differ.push_back(!d.empty());
    if (!d.empty()) differences += "  record " + std::to_string(i + 1) + " options: " + d + "\n";
  }
  std::cout << record_list(files, width) << "\n"
            << layout_columns(compare_table(rows, base, options_differ), width) << "\n"
            << wrap_text(judgements(rows, base), width);
  if (!differences.empty()) {
    std::cout << "\nOptions that differ from record " << base_record + 1
              << "'s (figures taken under other settings):\n"
              << wrap_text(differences, width);
  }
  if (!plot.empty()) {
    for (const auto& [path, bytes] : compare_picture(plot, rows, base))
      model::write_file_atomic(path, bytes);
  }
  return 0;
}

}  // namespace clmnist::apps
