// Host tensors between numpy (or torch, or a raw address) and the runtime.
#include <fmt/format.h>

#include <cstring>

#include "bindings.hpp"
#include "meshrt/common/error.hpp"

namespace meshrt::python {

namespace {

// The numpy dtype holding a meshrt dtype's bytes (bf16 has none: its bits as uint16).
py::dtype numpy_dtype(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32:
      return py::dtype::of<float>();
    case DataType::kFloat64:
      return py::dtype::of<double>();
    case DataType::kFloat16:
      return py::dtype("float16");
    case DataType::kBFloat16:
    case DataType::kUInt16:
      return py::dtype::of<uint16_t>();
    case DataType::kInt32:
      return py::dtype::of<int32_t>();
    case DataType::kUInt32:
      return py::dtype::of<uint32_t>();
    case DataType::kUInt8:
      return py::dtype::of<uint8_t>();
    case DataType::kInt64:
      return py::dtype::of<int64_t>();
    case DataType::kBool:
      return py::dtype::of<bool>();
    case DataType::kInt16:
      return py::dtype::of<int16_t>();
  }
  return py::dtype::of<uint8_t>();
}

uint64_t volume_of(const std::vector<uint32_t>& shape) {
  uint64_t v = 1;
  for (uint32_t d : shape) v *= d;
  return v;
}

}  // namespace

py::array host_to_numpy(std::shared_ptr<const HostTensor> host) {
  if (!host) raise(ErrorCode::kInvalidArgument, "the tensor has no host data");
  std::vector<py::ssize_t> shape(host->shape().begin(), host->shape().end());
  const py::dtype dt = numpy_dtype(host->dtype());
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t step = static_cast<py::ssize_t>(element_size(host->dtype()));
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = step;
    step *= shape[i];
  }
  // The capsule keeps the shared tensor alive as long as the array (or a view of it) is.
  auto* keep = new std::shared_ptr<const HostTensor>(host);
  py::capsule owner(keep, [](void* p) { delete static_cast<std::shared_ptr<const HostTensor>*>(p); });
  py::array a(dt, shape, strides, host->data(), owner);
  // Read-only: outputs and goldens are shared with the runtime.
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

namespace {

// A typed buffer (not raw bytes) must hold the elements `dtype` names: its element size, and
// floating point for f32/f64, integers for the integer types (bf16/f16 come as any 2-byte type).
void check_element_type(const py::buffer_info& info, DataType dtype) {
  if (info.itemsize == 1 && (info.format == "B" || info.format == "b")) return;  // bytes
  const char kind = info.format.empty() ? 0 : info.format.back();
  const bool is_float = kind == 'f' || kind == 'd' || kind == 'e';
  const bool float_dtype = dtype == DataType::kFloat32 || dtype == DataType::kFloat64;
  const bool half_dtype = dtype == DataType::kBFloat16 || dtype == DataType::kFloat16;
  const bool kind_ok = half_dtype || (float_dtype ? is_float : !is_float);
  if (static_cast<uint64_t>(info.itemsize) != element_size(dtype) || !kind_ok) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("host tensor data holds {}-byte '{}' elements, not {} (convert it, e.g. "
                      "numpy's astype)",
                      info.itemsize, info.format, mlir_name(dtype)));
  }
}

}  // namespace

tt::runtime::Tensor tensor_from_python(const py::object& data, const std::vector<uint32_t>& shape,
                                       const std::vector<uint32_t>& stride, uint32_t itemsize,
                                       DataType dtype) {
  if (itemsize != element_size(dtype)) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("host tensor itemsize {} does not match {} ({}-byte elements)", itemsize,
                      mlir_name(dtype), element_size(dtype)));
  }
  const uint64_t need = volume_of(shape) * itemsize;
  if (py::isinstance<py::int_>(data)) {  // tt-mlir's form: an address, e.g. torch's data_ptr()
    const auto address = data.cast<uintptr_t>();
    if (address == 0 && need > 0) raise(ErrorCode::kInvalidArgument, "host tensor data: null address");
    return tt::runtime::createOwnedHostTensor(reinterpret_cast<const void*>(address), shape,
                                              stride, itemsize, dtype);
  }
  py::object source = data;
  // A torch tensor: through numpy (a view on CPU, no copy when contiguous).
  if (py::hasattr(source, "detach") && py::hasattr(source, "numpy")) {
    source = source.attr("detach")().attr("cpu")().attr("contiguous")();
    py::object torch = py::module_::import("torch");
    if (source.attr("dtype").equal(torch.attr("bfloat16"))) {
      source = source.attr("view")(torch.attr("int16"));
    }
    source = source.attr("numpy")();
  }
  if (!PyObject_CheckBuffer(source.ptr())) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("host tensor data must be a numpy array, a buffer, a torch tensor or an "
                      "address (int), not {}",
                      std::string(py::str(py::type::of(data).attr("__name__")))));
  }
  py::buffer_info info = py::reinterpret_borrow<py::buffer>(source).request();
  check_element_type(info, dtype);
  const uint64_t have = static_cast<uint64_t>(info.size) * static_cast<uint64_t>(info.itemsize);
  if (have != need) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("host tensor data has {} bytes but shape [{}] of {} ({}-byte elements) "
                      "needs {}",
                      have, fmt::join(shape, ", "), mlir_name(dtype), itemsize, need));
  }
  // The buffer itself must be dense and row-major (the stride argument describes the tensor).
  py::ssize_t step = info.itemsize;
  for (size_t i = info.shape.size(); i-- > 0;) {
    if (info.shape[i] != 1 && info.strides[i] != step) {
      raise(ErrorCode::kInvalidArgument,
            "host tensor data is not contiguous: pass numpy.ascontiguousarray(data)");
    }
    step *= info.shape[i];
  }
  return tt::runtime::createOwnedHostTensor(info.ptr, shape, stride, itemsize, dtype);
}

}  // namespace meshrt::python
