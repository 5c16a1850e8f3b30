// ttrt.runtime: meshes, programs and tensors, with tt-mlir's Python names.
#include <pybind11/stl.h>

#include <fmt/format.h>

#include "bindings.hpp"
#include "meshrt/binary/system_desc.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/report/cost_model.hpp"

namespace meshrt::python {

namespace rt = tt::runtime;

namespace {

// tt-mlir's MeshDeviceOptions fields; the ones with no meaning on a simulated mesh are
// accepted and kept so that scripts setting them run unchanged.
struct PyMeshDeviceOptions {
  std::vector<uint32_t> mesh_offset;
  std::vector<int> device_ids;
  size_t num_hw_cqs = 1;
  bool enable_program_cache = false;
  std::optional<std::vector<uint32_t>> mesh_shape;
  size_t l1_small_size = 32 * 1024;
  size_t trace_region_size = 0;
  std::string dispatch_core_type = "WORKER";
  std::string cluster_path;  // meshrt: a cluster JSON or .ttsys (default: $TT_CLUSTER, galaxy)

  rt::MeshDeviceOptions to_runtime() const {
    rt::MeshDeviceOptions o;
    o.meshOffset = mesh_offset;
    o.deviceIds = device_ids;
    o.meshShape = mesh_shape;
    o.l1SmallSize = l1_small_size;
    o.traceRegionSize = trace_region_size;
    o.clusterPath = cluster_path;
    return o;
  }
};

std::shared_ptr<const HostTensor> single_host(const rt::Tensor& t) {
  return call([&] { return rt::getHostTensor(t); });
}

py::dict memory_view_dict(rt::Device device, int device_id) {
  auto views = call([&] { return rt::getMemoryView(device, device_id); });
  py::dict out;
  for (auto& [type, view] : views) out[py::cast(type)] = py::cast(view);
  return out;
}

}  // namespace

void register_runtime(py::module_& m) {
  py::enum_<DataType>(m, "DataType")
      .value("Float32", DataType::kFloat32)
      .value("BFloat16", DataType::kBFloat16)
      .value("Float16", DataType::kFloat16)
      .value("Float64", DataType::kFloat64)
      .value("Int32", DataType::kInt32)
      .value("UInt32", DataType::kUInt32)
      .value("UInt16", DataType::kUInt16)
      .value("UInt8", DataType::kUInt8)
      .value("Int64", DataType::kInt64)
      .value("Bool", DataType::kBool)
      .value("Int16", DataType::kInt16);
  // The arch names of tt-mlir's Arch enum that meshrt models.
  py::enum_<rt::MemoryBufferType>(m, "MemoryBufferType")
      .value("DRAM", rt::MemoryBufferType::DRAM)
      .value("L1", rt::MemoryBufferType::L1)
      .value("L1_SMALL", rt::MemoryBufferType::L1_SMALL)
      .value("TRACE", rt::MemoryBufferType::TRACE);
  py::enum_<report::FabricConfig>(m, "FabricConfig")
      .value("DISABLED", report::FabricConfig::kDisabled)
      .value("FABRIC_1D", report::FabricConfig::k1D)
      .value("FABRIC_1D_RING", report::FabricConfig::k1DRing)
      .value("FABRIC_2D", report::FabricConfig::k2D)
      .value("FABRIC_2D_TORUS_X", report::FabricConfig::k2DTorusX)
      .value("FABRIC_2D_TORUS_Y", report::FabricConfig::k2DTorusY)
      .value("FABRIC_2D_TORUS_XY", report::FabricConfig::k2DTorusXY)
      .value("CUSTOM", report::FabricConfig::kCustom);
  py::enum_<rt::StorageType>(m, "StorageType")
      .value("Host", rt::StorageType::Host)
      .value("MultiDeviceHost", rt::StorageType::MultiDeviceHost)
      .value("Device", rt::StorageType::Device);

  py::class_<rt::MemoryView>(m, "MemoryView")
      .def_readonly("num_banks", &rt::MemoryView::numBanks)
      .def_readonly("total_bytes_per_bank", &rt::MemoryView::totalBytesPerBank)
      .def_readonly("total_bytes_allocated_per_bank", &rt::MemoryView::totalBytesAllocatedPerBank)
      .def_readonly("total_bytes_free_per_bank", &rt::MemoryView::totalBytesFreePerBank)
      .def_readonly("largest_contiguous_bytes_free_per_bank",
                    &rt::MemoryView::largestContiguousBytesFreePerBank)
      .def_readonly("block_table", &rt::MemoryView::blockTable);

  py::class_<rt::Layout>(m, "Layout")
      .def(py::init([](rt::StorageType s) { return rt::Layout{s}; }),
           py::arg("storage") = rt::StorageType::Host)
      .def_readwrite("storage", &rt::Layout::storage);

  py::class_<PyMeshDeviceOptions>(m, "MeshDeviceOptions")
      .def(py::init<>())
      .def_readwrite("mesh_offset", &PyMeshDeviceOptions::mesh_offset)
      .def_readwrite("device_ids", &PyMeshDeviceOptions::device_ids)
      .def_readwrite("num_hw_cqs", &PyMeshDeviceOptions::num_hw_cqs)
      .def_readwrite("enable_program_cache", &PyMeshDeviceOptions::enable_program_cache)
      .def_readwrite("mesh_shape", &PyMeshDeviceOptions::mesh_shape)
      .def_readwrite("l1_small_size", &PyMeshDeviceOptions::l1_small_size)
      .def_readwrite("trace_region_size", &PyMeshDeviceOptions::trace_region_size)
      .def_readwrite("dispatch_core_type", &PyMeshDeviceOptions::dispatch_core_type)
      .def_readwrite("cluster_path", &PyMeshDeviceOptions::cluster_path);

  py::class_<rt::Device>(m, "Device")
      .def("get_mesh_shape", [](rt::Device d) { return call([&] { return rt::getMeshShape(d); }); })
      .def("get_device_ids", [](rt::Device d) { return call([&] { return rt::getDeviceIds(d); }); })
      .def("get_num_hw_cqs", [](rt::Device) { return 1; })
      .def("get_l1_small_size",
           [](rt::Device d) { return call([&] { return rt::getL1SmallSize(d); }); })
      .def("get_trace_region_size",
           [](rt::Device d) { return call([&] { return rt::getTraceRegionSize(d); }); })
      .def("get_memory_view", &memory_view_dict, py::arg("device_id") = 0)
      .def("dump_memory_report", [](rt::Device d) { call([&] { rt::dumpMemoryReport(d); }); })
      .def("read_device_profiler_results",
           [](rt::Device d) { return call([&] { return rt::readDeviceProfilerResults(d); }); })
      .def("__repr__", [](rt::Device d) { return fmt::format("<ttrt.runtime.Device {}>", d.handle()); });

  py::class_<rt::Tensor>(m, "Tensor")
      .def("is_allocated", [](rt::Tensor t) { return rt::isTensorAllocated(t); })
      .def("get_shape", [](rt::Tensor t) { return call([&] { return rt::getTensorShape(t); }); })
      .def("get_stride", [](rt::Tensor t) { return call([&] { return rt::getTensorStride(t); }); })
      .def("get_volume", [](rt::Tensor t) { return call([&] { return rt::getTensorVolume(t); }); })
      .def("get_logical_volume",
           [](rt::Tensor t) { return call([&] { return rt::getTensorVolume(t); }); })
      .def("get_dtype", [](rt::Tensor t) { return call([&] { return rt::getTensorDataType(t); }); })
      .def("get_element_size",
           [](rt::Tensor t) { return call([&] { return rt::getTensorElementSize(t); }); })
      // The bytes of a host tensor as a read-only uint8 numpy array sharing its storage.
      .def("get_data_buffer",
           [](rt::Tensor t) {
             py::array a = host_to_numpy(single_host(t));
             return a.attr("reshape")(-1).attr("view")(py::dtype::of<uint8_t>());
           })
      // meshrt: the tensor as a numpy array of its shape (no copy; bf16 as its uint16 bits).
      .def("to_numpy", [](rt::Tensor t) { return host_to_numpy(single_host(t)); })
      .def("get_layout", [](rt::Tensor t) { return call([&] { return rt::getLayout(t); }); })
      .def("__repr__", [](rt::Tensor t) {
        if (!rt::isTensorAllocated(t)) return std::string("<ttrt.runtime.Tensor deallocated>");
        return fmt::format("<ttrt.runtime.Tensor {} shards>", rt::getNumShards(t));
      });

  m.def("get_num_available_devices", [] { return call([] { return rt::getNumAvailableDevices(); }); });
  m.def(
      "open_mesh_device",
      [](const PyMeshDeviceOptions& o) {
        return call([&] { return rt::openMeshDevice(o.to_runtime()); });
      },
      py::arg("options") = PyMeshDeviceOptions{});
  m.def("close_mesh_device", [](rt::Device d) { call([&] { rt::closeMeshDevice(d); }); },
        py::arg("parent_mesh"));
  m.def(
      "create_sub_mesh_device",
      [](rt::Device parent, const std::vector<uint32_t>& shape,
         std::optional<std::vector<uint32_t>> offset) {
        return call([&] {
          return offset ? rt::createSubMeshDevice(parent, shape, *offset)
                        : rt::createSubMeshDevice(parent, shape);
        });
      },
      py::arg("parent_mesh"), py::arg("mesh_shape"), py::arg("mesh_offset") = py::none());
  m.def("release_sub_mesh_device", [](rt::Device d) { call([&] { rt::releaseSubMeshDevice(d); }); },
        py::arg("sub_mesh"));
  m.def(
      "reshape_mesh_device",
      [](rt::Device d, const std::vector<uint32_t>& shape) {
        call([&] { rt::reshapeMeshDevice(d, shape); });
      },
      py::arg("mesh_device"), py::arg("mesh_shape"));
  m.def("set_fabric_config", [](report::FabricConfig c) { rt::setFabricConfig(c); },
        py::arg("config"));

  m.def(
      "submit",
      [](rt::Device device, rt::Binary& executable, uint32_t program_index,
         std::vector<rt::Tensor>& inputs) {
        return call([&] { return rt::submit(device, executable, program_index, inputs); });
      },
      py::arg("device"), py::arg("executable"), py::arg("program_index"), py::arg("inputs"));
  m.def("wait", [](rt::Tensor t) { call([&] { rt::wait(t); }); }, py::arg("tensor"));
  m.def(
      "wait", [](const std::vector<rt::Tensor>& ts) { call([&] { rt::wait(ts); }); },
      py::arg("tensors"));
  m.def(
      "to_host",
      [](rt::Tensor t, bool untilize, bool blocking) {
        return call([&] { return rt::toHost(t, untilize, blocking); });
      },
      py::arg("tensor"), py::arg("untilize") = false, py::arg("blocking") = true);
  m.def(
      "to_layout",
      [](rt::Tensor t, rt::Device d, rt::Layout layout, py::object /*retain*/) {
        return call([&] { return rt::toLayout(t, d, layout); });
      },
      py::arg("tensor"), py::arg("device"), py::arg("layout"), py::arg("retain") = py::none());
  m.def("get_layout", [](rt::Tensor t) { return call([&] { return rt::getLayout(t); }); },
        py::arg("tensor"));
  // tt-mlir's form: the layout a program input expects (on a mesh).
  m.def(
      "get_layout",
      [](rt::Binary& executable, uint32_t program_index, uint32_t input_index) {
        if (program_index >= executable.getNumPrograms()) {
          raise(ErrorCode::kNotFound, fmt::format("program {} does not exist ({} programs)",
                                                  program_index, executable.getNumPrograms()));
        }
        const auto& p = executable.get().programs[program_index];
        if (input_index >= p.inputs.size()) {
          raise(ErrorCode::kNotFound, fmt::format("program {} has {} inputs, not input {}",
                                                  program_index, p.inputs.size(), input_index));
        }
        return rt::Layout{rt::StorageType::Device};
      },
      py::arg("executable"), py::arg("program_index"), py::arg("input_index"));
  m.def("get_num_shards", [](rt::Tensor t) { return call([&] { return rt::getNumShards(t); }); },
        py::arg("tensor"));
  m.def(
      "get_device_tensors",
      [](rt::Tensor t) {
        return call([&] {
          std::vector<rt::Tensor> out;
          for (uint32_t d = 0; d < rt::getNumShards(t); ++d) {
            out.push_back(rt::createTensor(rt::getTensorShard(t, d)));
          }
          return out;
        });
      },
      py::arg("tensor"));
  m.def(
      "memcpy",
      [](rt::Tensor dst, rt::Tensor src) { call([&] { rt::memcpy(dst, src); }); }, py::arg("dst"),
      py::arg("src"));
  m.def(
      "memcpy",
      [](py::buffer dst, rt::Tensor src, std::optional<DataType> target) {
        py::buffer_info info = dst.request(true);
        auto host = single_host(src);
        const DataType dt = target.value_or(host->dtype());
        const uint64_t need = static_cast<uint64_t>(host->volume()) * element_size(dt);
        const uint64_t have = static_cast<uint64_t>(info.size) * info.itemsize;
        if (have < need) {
          raise(ErrorCode::kInvalidArgument,
                fmt::format("memcpy: destination has {} bytes, the tensor needs {}", have, need));
        }
        call([&] { rt::memcpy(info.ptr, src, target); });
      },
      py::arg("dst"), py::arg("src"), py::arg("target_data_type") = py::none());
  m.def("deallocate_tensor", [](rt::Tensor& t, bool force) { rt::deallocateTensor(t, force); },
        py::arg("tensor"), py::arg("force") = false);

  auto host_tensor = [](py::object data, const std::vector<uint32_t>& shape,
                        const std::vector<uint32_t>& stride, uint32_t itemsize, DataType dtype) {
    return tensor_from_python(data, shape, stride, itemsize, dtype);  // needs the GIL
  };
  m.def("create_owned_host_tensor", host_tensor, py::arg("data"), py::arg("shape"),
        py::arg("stride"), py::arg("itemsize"), py::arg("data_type"));
  m.def("create_borrowed_host_tensor", host_tensor, py::arg("data"), py::arg("shape"),
        py::arg("stride"), py::arg("itemsize"), py::arg("data_type"));
  m.def(
      "create_multi_device_host_tensor",
      [](const std::vector<py::object>& data, const std::vector<uint32_t>& shape,
         const std::vector<uint32_t>& stride, uint32_t itemsize, DataType dtype,
         const std::unordered_map<std::string, std::string>& strategy,
         const std::vector<uint32_t>& mesh_shape) {
        std::vector<rt::Tensor> shards;
        for (const auto& d : data) {
          shards.push_back(tensor_from_python(d, shape, stride, itemsize, dtype));
        }
        return call([&] { return rt::createMultiDeviceHostTensor(shards, strategy, mesh_shape); });
      },
      py::arg("data"), py::arg("shape"), py::arg("stride"), py::arg("itemsize"),
      py::arg("data_type"), py::arg("strategy"), py::arg("mesh_shape"));
  m.def(
      "create_multi_device_host_tensor_from_shards",
      [](const std::vector<rt::Tensor>& shards,
         const std::unordered_map<std::string, std::string>& strategy,
         const std::vector<uint32_t>& mesh_shape) {
        return call([&] { return rt::createMultiDeviceHostTensor(shards, strategy, mesh_shape); });
      },
      py::arg("tensor_shards"), py::arg("strategy"), py::arg("mesh_shape"));
}

}  // namespace meshrt::python
