// strata-cli: headless validation, initialisation, inference, training and benchmarks of .strata
// graphs. Exit codes: 0 success, 2 bad input (with a one-line reason per problem), 1 a run that
// failed on good input (training diverged). Nothing escapes main as a crash.
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "cli_common.h"

namespace {

int realMain(int argc, char** argv) {
  using namespace strata::cli;
  CLI::App app{"strata-cli: validate, initialise, run, train, benchmark, export and import "
               "Strata graphs",
               "strata-cli"};
  app.require_subcommand(1);
  app.fallthrough(false);
  std::vector<Verb> verbs = {addValidateVerb(app), addInitVerb(app), addRunVerb(app),
                             addTrainVerb(app), addSweepVerb(app), addBenchVerb(app),
                             addExportVerb(app), addImportVerb(app), addSampleVerb(app)};
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    std::string names;
    for (const Verb& v : verbs) {
      known = known || v.command->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + v.command->get_name();
    }
    if (!known) {
      std::fprintf(stderr, "strata-cli: unknown verb '%s' (expected one of: %s)\n", argv[1],
                   names.c_str());
      return kExitBadInput;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, naming the verb, instead of CLI11's two ("Run with --help ...").
    std::string verb;
    for (const Verb& v : verbs)
      if (v.command->parsed()) verb = " " + v.command->get_name();
    std::fprintf(stderr, "strata-cli%s: %s (see --help)\n", verb.c_str(), e.what());
    return kExitBadInput;
  }
  for (const Verb& v : verbs)
    if (v.command->parsed()) return v.run();
  return kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace strata::cli;
  try {
    return realMain(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kExitBadInput;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "strata-cli: out of memory (is an input or a shape implausibly large?)\n");
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strata-cli: error: %s\n", e.what());
    return kExitBadInput;
  } catch (...) {
    std::fprintf(stderr, "strata-cli: error: unknown exception\n");
    return kExitBadInput;
  }
}
