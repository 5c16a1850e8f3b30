// ttrt._ttrt.builder: what the Python builder (python/builder) asks of meshrt's compiler. Op
// signatures from the catalogue, result shapes by the verifier's rules, and a module compiled
// to a binary with its goldens from the reference interpreter, so the builder holds no op
// semantics of its own.
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <cstring>
#include <map>

#include "bindings.hpp"
#include "meshrt/binary/binary_io.hpp"
#include "meshrt/catalog/op_catalog.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/compiler/compile.hpp"
#include "meshrt/compiler/parser.hpp"
#include "meshrt/reference/goldens.hpp"
#include "meshrt/verify/verify.hpp"

namespace meshrt::python {

namespace {

py::list entries(const std::vector<catalog::SchemaEntry>& list) {
  py::list out;
  for (const catalog::SchemaEntry& e : list) {
    py::dict d;
    d["name"] = std::string(e.name);
    d["optional"] = e.optional;
    d["variadic"] = e.variadic;
    d["kind"] = std::string(e.kind);
    out.append(d);
  }
  return out;
}

// Every catalogued op: {name: {"operands", "attributes", "results": [entry], "execution",
// "why_not"}}.
py::dict op_schemas() {
  py::dict out;
  for (const catalog::OpInfo& op : catalog::all_ops()) {
    py::dict d;
    d["operands"] = entries(op.schema.operands);
    d["attributes"] = entries(op.schema.attributes);
    d["results"] = entries(op.schema.results);
    d["execution"] = std::string(catalog::to_string(op.execution));
    d["why_not"] = std::string(op.why_not);
    out[py::str(std::string(op.name))] = d;
  }
  return out;
}

DataType dtype_named(const std::string& name) {
  std::optional<DataType> dtype = dtype_from_mlir(name);
  if (!dtype) raise(ErrorCode::kInvalidArgument, fmt::format("unknown element type '{}'", name));
  return *dtype;
}

// A float64 (or integer) numpy array as a host tensor of `dtype`, rounded as the runtime
// rounds a stored value.
std::shared_ptr<const HostTensor> host_from_array(const py::array& array, DataType dtype) {
  py::array_t<double, py::array::c_style | py::array::forcecast> values(array);
  Shape shape(values.shape(), values.shape() + values.ndim());
  std::vector<double> v(values.data(), values.data() + values.size());
  return std::make_shared<const HostTensor>(HostTensor::from_doubles(shape, dtype, v));
}

// Goldens of one program as {key: {device id: array}}, a golden every device shares listed
// under each device of the mesh, bf16 goldens as f32 arrays.
py::dict goldens_dict(const binary::ProgramGoldens& goldens, uint32_t devices) {
  py::dict out;
  for (const binary::Golden& g : goldens.goldens) {
    py::str key(g.loc);
    if (!out.contains(key)) out[key] = py::dict();
    py::dict per_device = out[key];
    // bf16 has no numpy type: its values as f32 (exact).
    py::array a = host_to_numpy(std::make_shared<const HostTensor>(
        g.tensor.dtype() == DataType::kBFloat16
            ? HostTensor::from_doubles(g.tensor.shape(), DataType::kFloat32, g.tensor.to_doubles())
            : g.tensor));
    if (g.device_id == binary::Golden::kAllDevices) {
      for (uint32_t d = 0; d < devices; ++d) per_device[py::int_(d)] = a;
    } else {
      per_device[py::int_(g.device_id)] = a;
    }
  }
  return out;
}

// Compiles `text` into (flatbuffer bytes, goldens per program, warnings: one line per program
// whose goldens could not be computed); the goldens of program p as (name, is_private,
// {key: {device: array}}). inputs[name], when given, holds that program's inputs (per input,
// one array per device) and its goldens come from them instead of the seeded inputs, and are not
// stored in the binary (a later `ttrt run` generates its own inputs, so it recomputes them).
py::tuple compile_module(const std::string& text, const std::string& path, uint64_t seed,
                         const std::map<std::string, std::vector<std::vector<py::array>>>& inputs) {
  compiler::CompileOptions options;
  options.path = path;
  options.seed = seed;
  std::vector<std::string> warnings;
  options.warnings = &warnings;
  binary::Binary bin = call([&] { return compiler::compile_mlir(text, options); });
  py::list per_program;
  for (size_t p = 0; p < bin.programs.size(); ++p) {
    const binary::Program& program = bin.programs[p];
    const uint32_t devices = program.mesh_shape.volume();
    if (auto it = inputs.find(program.name); it != inputs.end() && !program.is_private) {
      const auto& given = it->second;
      if (given.size() != program.inputs.size()) {
        raise(ErrorCode::kInvalidArgument,
              fmt::format("program '{}' takes {} inputs, {} given", program.name,
                          program.inputs.size(), given.size()));
      }
      std::vector<std::vector<std::shared_ptr<const HostTensor>>> tensors(given.size());
      for (size_t i = 0; i < given.size(); ++i) {
        const binary::TensorDesc& desc = program.values[program.inputs[i]];
        if (given[i].size() != devices) {
          raise(ErrorCode::kInvalidArgument,
                fmt::format("input {} of program '{}': {} per-device tensors for {} devices", i,
                            program.name, given[i].size(), devices));
        }
        for (const py::array& a : given[i]) {
          std::shared_ptr<const HostTensor> t = host_from_array(a, desc.dtype);
          const Shape& want = desc.presharded ? desc.local_shape : desc.shape;
          if (t->shape() != want) {
            raise(ErrorCode::kInvalidArgument,
                  fmt::format("input {} of program '{}' has shape {}, the program takes {}", i,
                              program.name, shape_to_string(t->shape()), shape_to_string(want)));
          }
          tensors[i].push_back(std::move(t));
        }
      }
      binary::ProgramGoldens g = call([&] { return reference::compute_goldens(bin, p, tensors); });
      per_program.append(
          py::make_tuple(program.name, program.is_private, goldens_dict(g, devices)));
      if (p < bin.goldens.size()) bin.goldens[p] = {};
    } else {
      per_program.append(py::make_tuple(
          program.name, program.is_private,
          p < bin.goldens.size() ? goldens_dict(bin.goldens[p], devices) : py::dict()));
    }
  }
  const std::vector<uint8_t> bytes = binary::serialize(bin);
  return py::make_tuple(py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                        per_program, warnings);
}

py::dict tensor_desc(const binary::TensorDesc& d) {
  py::dict out;
  out["shape"] = d.shape;
  out["dtype"] = std::string(mlir_name(d.dtype));
  out["presharded"] = d.presharded;
  out["local_shape"] = d.presharded ? d.local_shape : d.shape;
  return out;
}

// The programs of `text` as the builder loads them: per program its name, whether private,
// its inputs' and outputs' types, and per op its name, loc, source line (debug_str), and the
// golden keys of its operands and results ("input_<i>" for an argument, the producing op's
// golden key otherwise).
py::list describe(const std::string& text, const std::string& path) {
  compiler::ParseOptions options;
  options.path = path;
  binary::Binary bin = call([&] {
    binary::Binary b = compiler::parse_mlir(text, options);
    verify::verify_and_annotate(b, path);
    return b;
  });
  py::list programs;
  for (const binary::Program& program : bin.programs) {
    std::map<uint32_t, std::string> key;
    for (size_t i = 0; i < program.inputs.size(); ++i)
      key[program.inputs[i]] = "input_" + std::to_string(i);
    py::list ops;
    for (const binary::Op& op : program.ops) {
      py::dict o;
      o["name"] = op.name;
      o["loc"] = op.loc;
      o["debug_str"] = op.debug_str;
      py::list operands, results, result_types;
      for (uint32_t v : op.operands) {
        operands.append(key.count(v) ? py::str(key[v]) : py::str(""));
      }
      for (size_t r = 0; r < op.results.size(); ++r) {
        key[op.results[r]] = binary::golden_key(op.loc, r);
        results.append(key[op.results[r]]);
        result_types.append(tensor_desc(program.values[op.results[r]]));
      }
      py::list operand_types;
      for (uint32_t v : op.operands) operand_types.append(tensor_desc(program.values[v]));
      o["operands"] = operands;
      o["operand_types"] = operand_types;
      o["results"] = results;
      o["result_types"] = result_types;
      ops.append(o);
    }
    py::list inputs, outputs;
    for (uint32_t v : program.inputs) inputs.append(tensor_desc(program.values[v]));
    for (uint32_t v : program.outputs) outputs.append(tensor_desc(program.values[v]));
    py::dict p;
    p["name"] = program.name;
    p["private"] = program.is_private;
    p["mesh_shape"] = std::vector<uint32_t>{program.mesh_shape.rows, program.mesh_shape.cols};
    p["inputs"] = inputs;
    p["outputs"] = outputs;
    p["ops"] = ops;
    programs.append(p);
  }
  return programs;
}

}  // namespace

void register_builder(py::module_& m) {
  m.def("describe", &describe, py::arg("text"), py::arg("path"));
  m.def("op_schemas", &op_schemas);
  // The result shapes of op `op_index` of function `program_index` of `text`, by the verifier's
  // rules (see verify::infer_result_shapes); errors as ttrt compile reports them.
  m.def(
      "infer_result_shapes",
      [](const std::string& text, size_t program_index, size_t op_index, const std::string& path) {
        return call([&] {
          compiler::ParseOptions options;
          options.path = path;
          const binary::Binary bin = compiler::parse_mlir(text, options);
          return verify::infer_result_shapes(bin, program_index, op_index, path);
        });
      },
      py::arg("text"), py::arg("program_index"), py::arg("op_index"), py::arg("path"));
  // Parses and verifies `text` as ttrt compile does; raises its first error.
  m.def(
      "verify",
      [](const std::string& text, const std::string& path) {
        call([&] {
          compiler::ParseOptions options;
          options.path = path;
          binary::Binary bin = compiler::parse_mlir(text, options);
          verify::verify_and_annotate(bin, path);
        });
      },
      py::arg("text"), py::arg("path"));
  m.def("compile", &compile_module, py::arg("text"), py::arg("path"), py::arg("seed") = 0,
        py::arg("inputs") = std::map<std::string, std::vector<std::vector<py::array>>>{});
  // `array` rounded to the element type `dtype` (an MLIR name: "bf16", "f32", "si32"...), as
  // the numpy array that holds that type's bytes (bf16 as its uint16 bits).
  m.def(
      "encode",
      [](const py::array& array, const std::string& dtype) {
        return host_to_numpy(host_from_array(array, dtype_named(dtype)));
      },
      py::arg("array"), py::arg("dtype"));
  // The values of a tensor of `dtype` held in `array` (bf16 as uint16 bits) as float64.
  m.def(
      "decode",
      [](const py::array& array, const std::string& dtype) {
        const DataType dt = dtype_named(dtype);
        py::buffer_info info = array.request();
        Shape shape(info.shape.begin(), info.shape.end());
        if (static_cast<uint64_t>(info.itemsize) != element_size(dt)) {
          raise(ErrorCode::kInvalidArgument,
                fmt::format("{}-byte elements are not {}", info.itemsize, dtype));
        }
        HostTensor t(shape, dt);
        py::array dense = py::array::ensure(array, py::array::c_style);
        std::memcpy(t.data(), dense.data(), t.size_bytes());
        std::vector<double> v = t.to_doubles();
        py::array_t<double> out(std::vector<py::ssize_t>(info.shape.begin(), info.shape.end()));
        std::copy(v.begin(), v.end(), out.mutable_data());
        return out;
      },
      py::arg("array"), py::arg("dtype"));
}

}  // namespace meshrt::python
