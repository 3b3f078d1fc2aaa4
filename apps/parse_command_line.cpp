// parse_command_line (see cli_common.hpp): the command line, the CLMNIST_* environment and the
// config file, and --help.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <map>

#include "cli_common.hpp"
#include "cli_help.hpp"
#include "config_file.hpp"
#include "input_file.hpp"
#include "shown_text.hpp"

namespace clmnist::apps {

namespace {

// Stores one config file entry as if given on the command line (values given earlier, on the
// command line or in the environment, win), naming the file and line in any error.
void store_config_entry(const ConfigEntry& e, const std::string& path,
                        const po::options_description& all, po::variables_map& vm,
                        ValueOrigins* origins) {
  const std::string where = path + " line " + std::to_string(e.line);
  if (vm.count(e.key) != 0U && !vm[e.key].defaulted()) return;
  po::parsed_options parsed(&all);
  po::option o;
  o.string_key = e.key;
  o.value = {e.value};
  o.original_tokens = {e.key, e.value};
  parsed.options.push_back(o);
  try {
    po::store(parsed, vm);
  } catch (const po::error& err) {
    throw UsageError(where + ": " + err.what());
  }
  if (origins != nullptr) (*origins)[e.key] = where;
}

// Applies the config file `path` for `command`: keys of its options, from its [command] section
// first, then from the top of the file; keys of other commands' options are left to them.
void apply_config_file(const std::string& path, const std::string& named_by,
                       const std::string& command, const po::options_description& all,
                       po::variables_map& vm, ValueOrigins* origins) {
  if (const std::string why = model::input_problem(path); !why.empty()) {
    throw UsageError(named_by + " '" + path + "': " + why);
  }
  // A config file is a few lines; a megabyte is no config file.
  const std::vector<ConfigEntry> entries =
      parse_config_text(model::read_input_file(path, 1u << 20, "a config file"), path);
  for (const bool own_section : {true, false}) {
    for (const ConfigEntry& e : entries) {
      const bool mine = all.find_nothrow(e.key, false) != nullptr;
      if (!mine && !is_option_of_some_command(e.key)) {
        const std::string meant = closest_name(e.key, long_names(all));
        throw UsageError(path + " line " + std::to_string(e.line) + ": '" + e.key +
                         "' is not an option of any clmnist command" +
                         (meant.empty() ? std::string() : " (did you mean '" + meant + "'?)") +
                         "; see clmnist help " + (e.section.empty() ? command : e.section) +
                         " for the names");
      }
      if (!e.section.empty() && e.section == command && !mine) {
        throw UsageError(path + " line " + std::to_string(e.line) + ": '" + e.key +
                         "' in section [" + e.section + "] is not an option of clmnist " + command +
                         "; see clmnist " + command + " --help");
      }
      if (mine && (own_section ? e.section == command : e.section.empty())) {
        store_config_entry(e, path, all, vm, origins);
      }
    }
  }
}

// The arguments after the command, with an optional value given as the next word joined to its
// option: `--shuffle false` as `--shuffle=false`, while a bare `--shuffle` takes its implicit
// value. Only true/false words are joined, so `--shuffle --seed 3` stays as it is.
std::vector<std::string> with_joined_values(int argc, char** argv,
                                            const po::options_description& all) {
  static const std::vector<std::string> words = {"true", "false", "1",  "0",
                                                 "yes",  "no",    "on", "off"};
  std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--") break;  // what follows is arguments, not options
    if (args[i].rfind("--", 0) != 0 || args[i].find('=') != std::string::npos) continue;
    const po::option_description* o = all.find_nothrow(args[i].substr(2), false);
    const bool optional_value =
        o != nullptr && o->semantic()->min_tokens() == 0 && o->semantic()->max_tokens() == 1;
    if (optional_value && std::find(words.begin(), words.end(), args[i + 1]) != words.end()) {
      args[i] += "=" + args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    }
  }
  return args;
}

// An option the command does not have, with the one it most likely meant.
std::string unknown_option_message(const std::string& typed,
                                   const std::vector<std::string>& names) {
  const std::string name = typed.substr(0, typed.find('='));  // --lr=0.1 is --lr
  const std::string bare = name.substr(std::min(name.find_first_not_of('-'), name.size()));
  const std::string meant = closest_name(bare, names);
  return "unknown option '" + name + "'" +
         (meant.empty() ? std::string() : "; did you mean --" + meant + "?");
}

// The first word that is neither an option nor an option's value, named (it was "no arguments
// are taken", with a word about '--' whether or not one was typed).
std::string stray_word_message(int argc, char** argv, const po::options_description& all,
                               bool takes_words) {
  std::string word;
  try {
    po::command_line_parser again(with_joined_values(argc, argv, all));
    again.options(all).allow_unregistered().style(po::command_line_style::default_style &
                                                  ~po::command_line_style::allow_guessing);
    const std::vector<std::string> rest =
        po::collect_unrecognized(again.run().options, po::include_positional);
    if (!rest.empty()) word = takes_words ? rest.back() : rest.front();
  } catch (const po::error&) {  // the message below without the word
  }
  bool dashes = false;
  for (int i = 1; i < argc; ++i) dashes = dashes || std::string(argv[i]) == "--";
  return (word.empty() ? std::string("a word") : "'" + runtime::shown_text(word, 60) + "'") +
         " is not an option (they start with --) and " +
         (takes_words ? "is one word more than the command takes"
                      : "the command takes no other words") +
         (dashes ? "; after '--' every word is an argument, not an option" : "");
}

}  // namespace

bool parse_command_line(int argc, char** argv, const po::options_description& options,
                        const std::string& usage, po::variables_map& vm,
                        const po::positional_options_description* positional,
                        ValueOrigins* origins) {
  std::string config;
  // The command's options and --config, each group with a caption, wrapped to the terminal.
  const unsigned width = text_width();
  po::options_description own("Options", width, width / 2);
  for (const auto& o : options.options()) own.add(o);
  po::options_description config_group("Config file", width, width / 2);
  config_group.add_options()("config", po::value(&config)->value_name("FILE"),
                             "read options from FILE (format below). Default: $CLMNIST_CONFIG "
                             "(empty: none)");
  po::options_description all;
  all.add(own).add(config_group);
  const std::string command = argc > 0 ? argv[0] : "";
  try {
    po::command_line_parser parser(with_joined_values(argc, argv, all));
    // No prefix guessing: --max-epoch is a mistake to point out, not --max-epochs.
    parser.options(all).style(po::command_line_style::default_style &
                              ~po::command_line_style::allow_guessing);
    const po::positional_options_description none;  // stray words are errors
    parser.positional(positional != nullptr ? *positional : none);
    po::store(parser.run(), vm);
    const std::string config_named_by = vm.count("config") != 0U ? "--config" : "CLMNIST_CONFIG";
    if (vm.count("help") != 0U) {
      std::cout << wrap_text(usage, width) << "\n\n"
                << own << "\n"
                << config_group << "\n"
                << wrap_text(help_epilogue(), width);
      return false;
    }
    // CLMNIST_LEARNING_RATE=0.05 sets --learning-rate, and so on for every option of the command;
    // variables that name no option (CLMNIST_FAULT, CLMNIST_VEC, ...) are not options, and
    // CLMNIST_DATA_DIR stays the default data location (a missing one says how to fetch MNIST).
    std::map<std::string, std::string> from_environment;
    po::store(po::parse_environment(
                  all,
                  [&all, &from_environment, &vm](const std::string& var) -> std::string {
                    if (var == "CLMNIST_DATA_DIR") return "";
                    if (var.rfind("CLMNIST_", 0) != 0 || var == "CLMNIST_CONFIG") {
                      return var == "CLMNIST_CONFIG" ? "config" : "";
                    }
                    std::string name = var.substr(8);
                    for (char& c : name) {
                      c = c == '_' ? '-' : static_cast<char>(std::tolower(c));
                    }
                    if (all.find_nothrow(name, false) == nullptr) return "";
                    // Set but empty is not set (CLMNIST_SAVE_MODEL= saved nothing, silently).
                    const char* value = std::getenv(var.c_str());
                    if (value == nullptr || *value == '\0') return "";
                    // The command line's value wins (the first store does); only a
                    // value the variable really set is blamed on it in errors.
                    if (vm.count(name) == 0U || vm[name].defaulted()) {
                      from_environment[name] = var;
                    }
                    return name;
                  }),
              vm);
    if (origins != nullptr) {
      for (const auto& [name, var] : from_environment) {
        if (origins->count(name) == 0U) (*origins)[name] = var;
      }
    }
    // An empty CLMNIST_CONFIG (or --config '') means no config file.
    if (vm.count("config") != 0U && !vm["config"].as<std::string>().empty()) {
      apply_config_file(vm["config"].as<std::string>(), config_named_by, command, all, vm, origins);
    }
    po::notify(vm);
  } catch (const po::too_many_positional_options_error&) {
    throw UsageError(stray_word_message(argc, argv, all, positional != nullptr));
  } catch (const po::unknown_option& e) {
    throw UsageError(unknown_option_message(e.get_option_name(), long_names(all)));
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return true;
}

}  // namespace clmnist::apps
