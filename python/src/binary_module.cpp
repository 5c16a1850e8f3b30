// ttrt.binary: binaries, their goldens, and system descriptions.
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <cstdlib>

#include "bindings.hpp"
#include "meshrt/binary/program.hpp"
#include "meshrt/binary/system_desc.hpp"
#include "meshrt/cli/cli.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/common/file_io.hpp"

namespace meshrt::python {

namespace rt = tt::runtime;

namespace {

const binary::Program& program(const rt::Binary& b, uint32_t index) {
  const auto& programs = b.get().programs;
  if (index >= programs.size()) {
    raise(ErrorCode::kNotFound, fmt::format("program {} does not exist ({} programs)", index,
                                            programs.size()));
  }
  return programs[index];
}

std::string tensors_json(const rt::Binary& b, uint32_t index, bool inputs) {
  const std::string all = cli::read_section_json(b.get(), inputs ? "inputs" : "outputs");
  py::object json = py::module_::import("json");
  py::list per_program = json.attr("loads")(all);
  program(b, index);  // the index is checked by name
  return py::str(json.attr("dumps")(per_program[index]["value"], py::arg("indent") = 2));
}

binary::SystemDesc current_system_desc() {
  binary::SystemDesc d;
  const char* path = std::getenv("TT_CLUSTER");
  d.cluster = path && *path ? binary::load_cluster_file(path) : builtin_cluster("default");
  d.host_cpus.push_back(binary::discover_host_cpu());
  return d;
}

}  // namespace

void register_binary(py::module_& m) {
  py::class_<binary::Golden>(m, "GoldenTensor")
      .def_property_readonly("name", [](const binary::Golden& g) { return g.loc; })
      .def_property_readonly("device_id", [](const binary::Golden& g) { return g.device_id; })
      .def_property_readonly("shape",
                             [](const binary::Golden& g) { return g.tensor.shape(); })
      .def_property_readonly("stride",
                             [](const binary::Golden& g) { return row_major_strides(g.tensor.shape()); })
      .def_property_readonly("dtype", [](const binary::Golden& g) { return g.tensor.dtype(); })
      .def("get_data_buffer",
           [](const binary::Golden& g) {
             py::array a = host_to_numpy(std::make_shared<const HostTensor>(g.tensor));
             return a.attr("reshape")(-1).attr("view")(py::dtype::of<uint8_t>());
           })
      .def("to_numpy", [](const binary::Golden& g) {
        return host_to_numpy(std::make_shared<const HostTensor>(g.tensor));
      });

  py::class_<rt::Binary>(m, "Binary")
      .def_property_readonly("file_identifier", &rt::Binary::getFileIdentifier)
      .def_property_readonly("version", [](const rt::Binary& b) { return b.get().version.to_string(); })
      .def_property_readonly("schema_hash", [](const rt::Binary& b) { return b.get().schema_hash; })
      .def_property_readonly("id", &rt::Binary::id)
      .def("get_num_programs", &rt::Binary::getNumPrograms)
      .def("get_program_name",
           [](const rt::Binary& b, uint32_t i) { return program(b, i).name; },
           py::arg("program_index"))
      .def("is_program_private",
           [](const rt::Binary& b, uint32_t i) { return program(b, i).is_private; },
           py::arg("program_index"))
      .def("get_program_mesh_shape",
           [](const rt::Binary& b, uint32_t i) { return b.getProgramMeshShape(i); },
           py::arg("program_index"))
      .def("get_program_inputs_as_json",
           [](const rt::Binary& b, uint32_t i) { return tensors_json(b, i, true); },
           py::arg("program_index"))
      .def("get_program_outputs_as_json",
           [](const rt::Binary& b, uint32_t i) { return tensors_json(b, i, false); },
           py::arg("program_index"))
      .def("get_program_ops_as_json",
           [](const rt::Binary& b, uint32_t i) { return cli::program_ops_json_text(b.get(), i); },
           py::arg("program_index"))
      .def("get_mlir_as_json",
           [](const rt::Binary& b) { return cli::read_section_json(b.get(), "mlir"); })
      .def("as_json", [](const rt::Binary& b) { return cli::read_section_json(b.get(), "all"); })
      .def(
          "get_debug_info_golden",
          [](const rt::Binary& b, const std::string& loc) {
            return debug_info_golden(b, loc);
          },
          py::arg("loc"))
      .def("__repr__", [](const rt::Binary& b) {
        return fmt::format("<ttrt.binary.Binary {} program(s)>", b.getNumPrograms());
      });

  py::class_<binary::SystemDesc>(m, "SystemDesc")
      .def_property_readonly("version", [](const binary::SystemDesc& d) { return d.version.to_string(); })
      .def_property_readonly("cluster_name", [](const binary::SystemDesc& d) { return d.cluster.name; })
      .def_property_readonly("arch", [](const binary::SystemDesc& d) { return d.cluster.chip.arch; })
      .def("get_num_chips", [](const binary::SystemDesc& d) { return d.cluster.mesh.volume(); })
      .def("get_mesh_shape",
           [](const binary::SystemDesc& d) {
             return std::vector<uint32_t>{d.cluster.mesh.rows, d.cluster.mesh.cols};
           })
      .def("as_json", [](const binary::SystemDesc& d) { return cli::system_desc_json_text(d); });

  m.def(
      "load_binary_from_path",
      [](const std::string& path) {
        return call([&] { return rt::Binary::loadFromPath(path.c_str()); });
      },
      py::arg("path"));
  m.def(
      "load_binary_from_bytes",
      [](py::bytes data, const std::string& name) {
        std::string bytes = data;
        return call([&] {
          return rt::Binary::loadFromBytes(
              std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), name);
        });
      },
      py::arg("data"), py::arg("name") = "<bytes>");
  m.def(
      "load_system_desc_from_path",
      [](const std::string& path) { return call([&] { return binary::load_system_desc_file(path); }); },
      py::arg("path"));
  m.def("get_current_system_desc", [] { return call([] { return current_system_desc(); }); });
}

}  // namespace meshrt::python
