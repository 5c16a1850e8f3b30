#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "meshrt/binary/binary_io.hpp"
#include "meshrt/cli/cli.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/common/file_io.hpp"
#include "meshrt/compiler/compile.hpp"

namespace meshrt::cli {

int cmd_compile(const CompileOptions& o, comm::Communicator& comm) {
  if (comm.rank() != 0) return kExitOk;  // compiling is rank 0's job
  compiler::CompileOptions c;
  c.path = o.input;
  if (!o.mesh_shape.empty()) c.mesh_override = parse_mesh_shape(o.mesh_shape);
  c.seed = o.seed;
  c.init = init_kind_from_string(o.init);
  c.goldens = !o.no_goldens;
  c.golden_budget_bytes = o.golden_budget_mib << 20;
  c.golden_input_limit_bytes = o.golden_input_limit_mib << 20;
  std::vector<std::string> warnings;
  c.warnings = &warnings;
  std::string mesh_note;
  c.mesh_note = &mesh_note;
  std::string text = read_file_text(o.input);
  binary::Binary bin = compiler::compile_mlir(text, c);
  std::string out = o.output;
  if (out.empty()) out = std::filesystem::path(o.input).replace_extension(".ttnn").string();
  binary::save_binary_file(out, bin);
  for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";
  if (!mesh_note.empty()) std::cout << mesh_note << "\n";
  size_t ops = 0, goldens = 0;
  for (const auto& p : bin.programs) ops += p.ops.size();
  for (const auto& g : bin.goldens) goldens += g.goldens.size();
  std::cout << fmt::format("compiled {} -> {}: {} program(s), {} ops, mesh {}, {} goldens\n",
                           o.input, out, bin.programs.size(), ops,
                           bin.programs.empty() ? "1x1" : bin.programs[0].mesh_shape.to_string(),
                           goldens);
  return kExitOk;
}

}  // namespace meshrt::cli
