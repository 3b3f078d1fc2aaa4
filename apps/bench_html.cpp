// `clmnist bench report`: bench records as one self-contained HTML page (inline CSS, no script,
// font or network), the devices side by side per preset, each with its record's run context and
// whether its run reproduced the preset's published log. Every string from a record is escaped.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bench.hpp"
#include "bench_read.hpp"
#include "build_info.hpp"
#include "cli_common.hpp"
#include "errors.hpp"
#include "json_text.hpp"
#include "output_file.hpp"
#include "presets.hpp"

namespace clmnist::apps {
namespace {

using nlohmann::json;

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

// A figure as text, "n/a" where the record has none (null, absent: not measured there).
std::string num(double v, const char* f, double scale = 1.0) {
  if (std::isnan(v)) return "n/a";
  char b[64];
  std::snprintf(b, sizeof b, f, v * scale);
  return b;
}

// One device of one record: a column of its preset's table.
struct Column {
  std::size_t record = 0;  // 1-based, in the order given
  const json* record_json = nullptr;
  const json* device = nullptr;
};

// d[key], or an empty object where d is no object or has no such key (a crafted record).
json part(const json& d, const char* key) {
  return d.is_object() ? d.value(key, json::object()) : json::object();
}

// "reproduced", "differs" or why it was not measured, against the preset's published figures as
// the log prints them (%f of the error in percent).
std::string reproduction(const json& d, const model::Preset* preset) {
  const json t = part(d, "time_to_accuracy");
  if (preset == nullptr || preset->published_validation_error < 0) {
    return "no published log to check against";
  }
  const double valid = field_number(t, "best_validation_error");
  const double test = field_number(t, "test_error");
  if (std::isnan(valid) || std::isnan(test)) {
    return "not measured (bench runs the whole training for the theano preset only, not with "
           "--quick)";
  }
  const std::string got =
      "best validation " + num(valid, "%f %%", 100) + ", test " + num(test, "%f %%", 100);
  const std::string want = "best validation " +
                           num(preset->published_validation_error, "%f %%", 100) + ", test " +
                           num(preset->published_test_error, "%f %%", 100);
  return got == want ? "yes: " + got : "NO: " + got + "; published " + want;
}

std::string launches(const json& d) {
  const json c = part(d, "ceilings");
  const double per_step = field_number(c, "launches_per_step");
  const double launch_us = field_number(c, "launch_us");
  if (std::isnan(per_step) || std::isnan(launch_us)) return "n/a (no kernel launches)";
  return num(per_step, "%.1f") + " a step x " + num(launch_us, "%.2f") +
         " us = " + num(per_step * launch_us, "%.1f") + " us, " +
         num(field_number(c, "fraction_of_launch_latency"), "%.3g %%", 100) + " of a step";
}

std::string early_stop(const json& tta) {
  const double seconds = field_number(tta, "seconds_to_early_stop");
  if (std::isnan(seconds)) return "n/a";
  return num(seconds, "%.2f s") + " (" + field_text(tta, "epochs") + " epochs)";
}

std::string of_ceiling(const json& d, const char* fraction, const char* ceiling, const char* unit) {
  const json c = part(d, "ceilings");
  return num(field_number(c, fraction), "%.3g %%", 100) + " of " +
         num(field_number(c, ceiling), "%.1f ") + unit;
}

// The rows of a preset's table: a label and each column's cell, escaped.
std::vector<std::pair<std::string, std::vector<std::string>>> device_rows(
    const std::vector<Column>& columns, const model::Preset* preset) {
  const std::string target =
      preset != nullptr ? "time to " + num(preset->target_error, "%.1f %%", 100) + " valid."
                        : "time to target";
  std::vector<std::pair<std::string, std::vector<std::string>>> rows = {
      {"record", {}},
      {"host", {}},
      {"date", {}},
      {"commit", {}},
      {"type, driver", {}},
      {"kernels", {}},
      {"us/iter", {}},
      {"samples/s", {}},
      {"epochs/s", {}},
      {target, {}},
      {"time to early stop", {}},
      {"%FMA", {}},
      {"%BW", {}},
      {"launches", {}},
      {"reproduced the published log", {}}};
  for (const Column& c : columns) {
    const json& r = *c.record_json;
    const json& d = *c.device;
    const json dev = part(d, "device"), train = part(d, "train"), tta = part(d, "time_to_accuracy");
    const std::string cells[] = {
        "#" + std::to_string(c.record),
        field_text(part(r, "context"), "host_name"),
        record_date(r),
        record_commit(r),
        field_text(dev, "type") + ", " + field_text(dev, "driver"),
        field_text(train, "path") + " (" + field_text(part(d, "kernels_used"), "plan") + ")",
        num(field_number(train, "us_per_iteration"), "%.1f") + " (" +
            num(field_number(train, "us_per_iteration_min"), "%.1f") + ".." +
            num(field_number(train, "us_per_iteration_max"), "%.1f") + ", " +
            std::to_string(record_runs(r)) + " runs)",
        num(field_number(train, "samples_per_second"), "%.0f"),
        num(field_number(train, "epochs_per_second"), "%.2f"),
        num(field_number(tta, "seconds_to_7_5_percent"), "%.2f s"),
        early_stop(tta),
        of_ceiling(d, "fraction_of_fma", "fma_gflop_per_second", "GFLOP/s"),
        of_ceiling(d, "fraction_of_bandwidth", "bandwidth_gb_per_second", "GB/s"),
        launches(d),
        reproduction(d, preset)};
    for (std::size_t k = 0; k < rows.size(); ++k) rows[k].second.push_back(esc(cells[k]));
  }
  return rows;
}

// samples/s of every column as horizontal CSS bars, the longest the fastest.
std::string throughput_bars(const std::vector<Column>& columns) {
  double top = 0;
  for (const Column& c : columns) {
    const double v = field_number(part(*c.device, "train"), "samples_per_second");
    if (!std::isnan(v)) top = std::max(top, v);
  }
  std::string o = "<div class=\"bars\" role=\"img\" aria-label=\"samples per second\">\n";
  for (const Column& c : columns) {
    const double v = field_number(part(*c.device, "train"), "samples_per_second");
    const double share = top > 0 && !std::isnan(v) ? 100.0 * v / top : 0.0;
    o += "<div class=\"bar\"><span class=\"name\">#" + std::to_string(c.record) + " " +
         esc(field_text(part(*c.device, "device"), "name")) + "</span><span class=\"track\">" +
         "<span class=\"fill\" style=\"width:" + num(share, "%.1f") + "%\"></span></span>" +
         "<span class=\"value\">" + num(v, "%.0f") + " samples/s</span></div>\n";
  }
  return o + "</div>\n";
}

std::string table(const std::vector<std::string>& header,
                  const std::vector<std::pair<std::string, std::vector<std::string>>>& rows) {
  std::string o = "<table>\n<tr><th></th>";
  for (const std::string& h : header) o += "<th>" + h + "</th>";
  o += "</tr>\n";
  for (const auto& [label, cells] : rows) {
    o += "<tr><th>" + esc(label) + "</th>";
    for (const std::string& c : cells) {
      const char* cls = c.rfind("NO:", 0) == 0    ? " class=\"bad\""
                        : c.rfind("yes:", 0) == 0 ? " class=\"good\""
                                                  : "";
      o += std::string("<td") + cls + ">" + c + "</td>";
    }
    o += "</tr>\n";
  }
  return o + "</table>\n";
}

// One preset: what it reproduces, throughput bars, the devices' table and those that failed.
std::string preset_section(const std::string& name, const std::vector<BenchRecord>& records) {
  const model::Preset* preset = nullptr;
  try {
    preset = &model::find_preset(name);
  } catch (const std::invalid_argument&) {
    // A record of a preset this version does not know: its figures still go on the page.
  }
  std::vector<Column> columns;
  std::string failed;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (record_preset(records[i].j) != name) continue;
    for (const json& d : records[i].j.at("devices")) {
      const json check = part(d, "correctness");
      if (check.value("passed", json(false)) == json(true)) {
        columns.push_back({i + 1, &records[i].j, &d});
        continue;
      }
      failed += "<li>#" + std::to_string(i + 1) + " " + esc(field_text(part(d, "device"), "name")) +
                ": " + esc(field_text(check, "failure")) + "</li>\n";
    }
  }
  std::string o = "<section>\n<h2>Preset " + esc(name) + "</h2>\n";
  if (preset != nullptr) {
    o += "<p class=\"note\">" + esc(preset->reproduces) + ". Published: " + esc(preset->published) +
         ".</p>\n";
  }
  std::vector<std::string> header;
  for (const Column& c : columns) {
    header.push_back(esc(field_text(part(*c.device, "device"), "name")));
  }
  if (!columns.empty()) o += throughput_bars(columns) + table(header, device_rows(columns, preset));
  if (!failed.empty())
    o += "<p>Devices that failed their check (not timed):</p>\n<ul>" + failed + "</ul>\n";
  return o + "</section>\n";
}

// Where and how each record was measured: one column a record.
std::string context_section(const std::vector<BenchRecord>& records) {
  const char* fields[] = {"clmnist_version",   "started_at",  "finished_at", "host_name",
                          "cpu_model",         "cpu_threads", "os",          "kernel",
                          "machine",           "icd_loader",  "clblast",     "load_average_before",
                          "load_average_after"};
  std::vector<std::pair<std::string, std::vector<std::string>>> rows = {{"file", {}},
                                                                        {"commit", {}}};
  for (const char* f : fields) rows.push_back({f, {}});
  rows.push_back({"options", {}});
  std::vector<std::string> header;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const json& r = records[i].j;
    header.push_back("#" + std::to_string(i + 1));
    rows[0].second.push_back(esc(std::filesystem::path(records[i].file).filename().string()));
    rows[1].second.push_back(esc(record_commit(r)));
    for (std::size_t k = 0; k < std::size(fields); ++k) {
      rows[k + 2].second.push_back(esc(field_text(part(r, "context"), fields[k], "n/a")));
    }
    std::string options;
    const json o = part(r, "options");
    if (o.is_object()) {
      for (const auto& [key, value] : o.items()) {
        options += (options.empty() ? "" : ", ") + key + " " + field_text(o, key, "null");
      }
    }
    rows.back().second.push_back(esc(options));
  }
  return "<section>\n<h2>Run context</h2>\n" + table(header, rows) + "</section>\n";
}

// Where `clmnist presets` lists a preset (theano first); presets this version does not know last.
std::size_t preset_rank(const std::string& name) {
  try {
    return static_cast<std::size_t>(&model::find_preset(name) - model::presets().data());
  } catch (const std::invalid_argument&) {
    return model::presets().size();
  }
}

const char* kStyle =
    "body{font-family:sans-serif;margin:1.5em;color:#222;max-width:100em}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.5em;border-bottom:1px solid #ccc}"
    ".note{color:#555}table{border-collapse:collapse;margin:.8em 0;font-size:.9em}"
    "th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}"
    "th{background:#f4f4f4}td.bad{background:#fdd}td.good{background:#e4f6e4}"
    ".bars{margin:.8em 0}.bar{display:flex;align-items:center;margin:.2em 0}"
    ".name{width:22em;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}"
    ".track{flex:0 0 30em;background:#eee;height:1.1em;margin:0 .6em}"
    ".fill{display:block;height:100%;background:#3a7bd5}";

std::string bench_html_page(const std::vector<BenchRecord>& records) {
  std::vector<std::string> presets;
  for (const BenchRecord& r : records) {
    const std::string p = record_preset(r.j);
    if (std::find(presets.begin(), presets.end(), p) == presets.end()) presets.push_back(p);
  }
  std::stable_sort(presets.begin(), presets.end(), [](const std::string& a, const std::string& b) {
    return preset_rank(a) < preset_rank(b);
  });
  std::string o =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>clmnist benchmark results</title>\n<style>" +
      std::string(kStyle) +
      "</style>\n</head>\n<body>\n<h1>clmnist benchmark results</h1>\n<p class=\"note\">" +
      std::to_string(records.size()) +
      " records of <code>clmnist bench --json</code>, the devices "
      "side by side per preset (#N: the record, as listed under Run context). %FMA and %BW are of "
      "each device's own measured ceilings; launches are the launch-latency floor of a training "
      "step. Written by clmnist " +
      esc(clmnist_version()) + ".</p>\n";
  for (const std::string& p : presets) o += preset_section(p, records);
  return o + context_section(records) + "</body>\n</html>\n";
}

// The records named: files as given, and every *.json of a directory in name order.
std::vector<std::string> record_files(const std::vector<std::string>& given) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& g : given) {
    std::error_code ec;
    if (!fs::is_directory(g, ec)) {
      files.push_back(g);
      continue;
    }
    std::vector<std::string> in_dir;
    for (const fs::directory_entry& e : fs::directory_iterator(g, ec)) {
      if (e.path().extension() == ".json") in_dir.push_back(e.path().string());
    }
    if (ec) throw DataError(g + ": cannot list the directory (" + ec.message() + ")");
    if (in_dir.empty()) {
      throw DataError(g +
                      ": no *.json bench records in the directory; give records of clmnist "
                      "bench --json, or a directory that holds some (such as results/)");
    }
    std::sort(in_dir.begin(), in_dir.end());
    files.insert(files.end(), in_dir.begin(), in_dir.end());
  }
  return files;
}

const char* kReportUsage =
    "Usage: clmnist bench report DIR|FILE... --html FILE\n\n"
    "Writes the records of `clmnist bench --json` (files, or every *.json of a directory such "
    "as results/) as one self-contained HTML page: inline CSS only, no script, font or network "
    "access, so it opens anywhere and can be mailed or attached. One section per preset puts its "
    "devices side by side: throughput (bars, and us/iter with the min..max of the runs), time to "
    "accuracy, %FMA and %BW of each device's own measured ceilings, kernel launches against the "
    "launch latency, and whether the device reproduced the preset's published log (the best "
    "validation and test error as the log prints them). A last table gives each record's run "
    "context: version, commit, date, host, CPU, OS, kernel, OpenCL loader, load average and "
    "options. Devices that failed their check are listed with their error.\n\n"
    "Examples:\n  clmnist bench report results/ --html results.html\n"
    "  clmnist bench report mine.json results/ --html page.html";

}  // namespace

int run_bench_report(int argc, char** argv) {
  std::vector<std::string> given;
  std::string html;
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")  //
      ("record", po::value(&given)->composing()->value_name("DIR|FILE"),
       "bench records or directories of them (positional)")  //
      ("html", po::value(&html)->value_name("FILE"), "the page to write (- for standard output)");
  po::positional_options_description positional;
  positional.add("record", -1);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, kReportUsage, vm, &positional)) return 0;
  if (html.empty()) throw UsageError("give the page to write: --html FILE");
  if (given.empty()) {
    throw UsageError("give bench records or a directory of them (such as results/)");
  }
  require_writable_target("html", html);
  const std::vector<std::string> files = record_files(given);
  std::vector<NamedPath> inputs = {config_input(vm)};
  for (const std::string& f : files) inputs.push_back({"record", f});
  require_distinct_files({{"html", html}}, inputs);
  std::vector<BenchRecord> records;
  for (const std::string& f : files) records.push_back(read_bench_record(f));
  std::string page;
  try {
    page = bench_html_page(records);
  } catch (const json::exception& e) {
    throw DataError("a record is not a clmnist bench record (" + model::json_error_text(e) +
                    "); write records with clmnist bench --json FILE");
  }
  model::write_file_atomic(html, page);
  if (model::output_stream_fd(html) < 0) {
    std::cout << "wrote " << html << ": " << records.size() << " records\n";
  }
  return 0;
}

}  // namespace clmnist::apps
