// The _ttrt extension module: ttrt.runtime and ttrt.binary's native parts, the ttrt command
// line (run_cli) and the process model (process.hpp).
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings.hpp"
#include "launcher/rank_binding.hpp"
#include "meshrt/comm/mpi.hpp"
#include "meshrt/cli/cli.hpp"
#include "meshrt/common/error.hpp"
#include "process.hpp"

namespace meshrt::python {

PyObject* g_meshrt_error = nullptr;

void register_cli(py::module_& m) {
  // The ttrt command line in this process: `args` as after "ttrt" (["run", "x.ttnn", ...]).
  // run and perf use the job's ranks (the other ranks serve them); every other subcommand
  // reads and writes files on this rank alone.
  m.def(
      "run_cli",
      [](const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"ttrt"};
        argv.insert(argv.end(), args.begin(), args.end());
        std::vector<char*> ptrs;
        for (auto& a : argv) ptrs.push_back(a.data());
        ptrs.push_back(nullptr);
        const int argc = static_cast<int>(argv.size());
        cli::set_log_file_append(true);  // the file is the Logger's (it started it)
        Process& p = process();
        comm::Communicator& comm =
            cli::is_run_command(argc, ptrs.data()) ? *p.world : *p.solo;
        return call([&] { return cli::run_ttrt(argc, ptrs.data(), comm); });
      },
      py::arg("args"));
  // Controller mode (ttrt.runtime.launch_distributed_runtime builds the arguments).
  m.def(
      "launch_workers",
      [](const std::string& command, const std::vector<std::vector<std::string>>& workers,
         const std::vector<std::string>& hosts, const std::string& hostfile) {
        comm::SpawnOptions spawn{command, workers, hosts, hostfile};
        call([&] { launch_workers(spawn); });
      },
      py::arg("command"), py::arg("workers"), py::arg("hosts"), py::arg("hostfile"));
  m.def("stop_workers", [] { call([] { stop_workers(); }); });
  m.def("is_controller", [] { return process().controller; });
  m.def(
      "load_rank_binding",
      [](const std::string& path) {
        const launcher::RankBindingConfig c = call([&] { return launcher::load_rank_binding(path); });
        py::list ranks;
        for (const auto& r : c.ranks) {
          py::dict d;
          d["rank"] = r.rank;
          d["mesh_id"] = r.mesh_id;
          d["mesh_host_rank"] = r.mesh_host_rank;
          d["env_overrides"] = r.env_overrides;
          ranks.append(d);
        }
        py::dict out;
        out["ranks"] = ranks;
        out["global_env"] = c.global_env;
        out["cluster_path"] = c.cluster_path;
        return out;
      },
      py::arg("path"));
  m.def("rank", [] { return process().world ? process().world->rank() : 0; });
  m.def("world_size", [] { return process().world ? process().world->size() : 1; });
  m.def("shutdown", [] {
    tt::runtime::debug::Hooks::get().unregisterHooks();
    shutdown();
  });
}

}  // namespace meshrt::python

PYBIND11_MODULE(_ttrt, m) {
  namespace py = pybind11;
  using namespace meshrt::python;
  m.doc() = "meshrt's native ttrt module (use the ttrt package)";
  meshrt::cli::use_reference_goldens();
  static py::exception<meshrt::Error> error(m, "Error", PyExc_RuntimeError);
  g_meshrt_error = error.ptr();
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const meshrt::Error& e) {
      py::object exc = py::reinterpret_borrow<py::object>(g_meshrt_error)(e.what());
      exc.attr("code") = std::string(meshrt::to_string(e.code()));
      PyErr_SetObject(g_meshrt_error, exc.ptr());
    }
  });
  py::module_ runtime = m.def_submodule("runtime", "ttrt.runtime");
  py::module_ binary = m.def_submodule("binary", "ttrt.binary");
  py::module_ builder = m.def_submodule("builder", "the compiler's side of the builder package");
  runtime.attr("Error") = error;
  register_runtime(runtime);
  register_hooks(runtime);
  register_binary(binary);
  register_builder(builder);
  register_cli(m);
  start_process();  // a worker rank serves here and never returns
}
