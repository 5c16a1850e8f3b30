// Pieces of the _ttrt extension module shared between its source files.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <optional>

#include "meshrt/runtime/debug.hpp"
#include "meshrt/runtime/runtime.hpp"

namespace meshrt::python {

namespace py = pybind11;

// ttrt.runtime.Error, raised for meshrt::Error (its code in `.code`, its message as the text).
extern PyObject* g_meshrt_error;

// Runs a runtime call with the GIL released. A meshrt::Error becomes ttrt.runtime.Error; when
// the error came from a Python callback, that callback's own exception (with its traceback) is
// raised instead. Call under the GIL, around every runtime call that may run a program.
template <class F>
auto call(F&& f) -> decltype(f());

// A numpy array sharing the bytes of a host tensor (kept alive by the array), shape and dtype
// as the tensor's (bf16 and f16 as uint16 / float16: numpy has no bfloat16).
py::array host_to_numpy(std::shared_ptr<const HostTensor> host);
// A host tensor from a numpy array, a buffer, a torch tensor or a raw address (int), checked
// against shape, stride, itemsize and dtype.
tt::runtime::Tensor tensor_from_python(const py::object& data, const std::vector<uint32_t>& shape,
                                       const std::vector<uint32_t>& stride, uint32_t itemsize,
                                       DataType dtype);

// Goldens of `loc` by device id; a golden every device shares is listed under each device of
// its program's mesh, as tt-mlir keys them per device. Empty when the binary has none.
py::dict debug_info_golden(const tt::runtime::Binary& binary, const std::string& loc);

void register_runtime(py::module_& m);
void register_binary(py::module_& m);
void register_hooks(py::module_& m);
void register_cli(py::module_& m);
void register_builder(py::module_& m);

// Hooks' side of call(): the exception a Python callback raised during the last run, if any
// (cleared when taken). Needs the GIL.
std::optional<py::error_already_set> take_callback_error();

template <class F>
auto call(F&& f) -> decltype(f()) {
  try {
    py::gil_scoped_release release;
    return f();
  } catch (const Error&) {
    if (auto original = take_callback_error()) throw *original;
    throw;  // the module's translator raises ttrt.runtime.Error
  }
}

}  // namespace meshrt::python
