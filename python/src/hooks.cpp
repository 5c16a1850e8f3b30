// DebugHooks: Python callables before and after every op, and what they may ask inside.
//
// The runtime calls a hook on the thread that runs the program while the Python caller waits
// in submit() with the GIL released; the wrapper takes the GIL, calls the callable with
// (binary, program_context, op_context) and invalidates both contexts when it returns (a
// context kept past its callback raises instead of reading freed memory). An exception raised
// by the callable ends the run; call() then re-raises that very exception in the caller.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <optional>
#include <stdexcept>

#include "bindings.hpp"
#include "meshrt/common/error.hpp"

namespace meshrt::python {

namespace rt = tt::runtime;

namespace {

struct PyOpContext {
  rt::OpContext context;
  bool valid = true;
};
struct PyCallbackContext {
  rt::CallbackContext context;
  bool valid = true;
};

// The exception of the callback that ended the last run (touched only with the GIL held).
std::optional<py::error_already_set>& callback_error() {
  static std::optional<py::error_already_set>* e = new std::optional<py::error_already_set>();
  return *e;  // never destroyed: outlives the interpreter's last reference
}

const rt::OpContext& op_context(const PyOpContext& c) {
  if (!c.valid) {
    raise(ErrorCode::kInvalidArgument,
          "this OpContext belongs to a callback that has returned: use it inside the callback");
  }
  return c.context;
}

const rt::CallbackContext& program_context(const PyCallbackContext& c) {
  if (!c.valid) {
    raise(ErrorCode::kInvalidArgument,
          "this CallbackContext belongs to a callback that has returned: use it inside the "
          "callback");
  }
  return c.context;
}

// Holds a Python callable in a std::function that may be copied and destroyed without the GIL.
std::shared_ptr<py::object> hold(py::object f) {
  return std::shared_ptr<py::object>(new py::object(std::move(f)), [](py::object* o) {
    if (Py_IsInitialized()) {
      py::gil_scoped_acquire gil;
      delete o;
    }
  });
}

rt::debug::OpCallback op_callback(py::object f) {
  auto callable = hold(std::move(f));
  return [callable](rt::Binary binary, rt::CallbackContext program, rt::OpContext op) {
    py::gil_scoped_acquire gil;
    py::object p = py::cast(PyCallbackContext{program});
    py::object o = py::cast(PyOpContext{op});
    auto invalidate = [&] {
      p.cast<PyCallbackContext&>().valid = false;
      o.cast<PyOpContext&>().valid = false;
    };
    try {
      (*callable)(py::cast(binary), p, o);
    } catch (py::error_already_set& e) {
      invalidate();
      std::string what = e.what();
      callback_error() = std::move(e);
      throw std::runtime_error("a Python callback raised " + what);
    }
    invalidate();
  };
}

}  // namespace

std::optional<py::error_already_set> take_callback_error() {
  std::optional<py::error_already_set> out;
  std::swap(out, callback_error());
  return out;
}

void register_hooks(py::module_& m) {
  py::class_<PyOpContext>(m, "OpContext");
  py::class_<PyCallbackContext>(m, "CallbackContext");
  py::class_<rt::debug::Hooks>(m, "DebugHooks")
      .def_static(
          "get",
          [](py::object pre_op, py::object post_op) -> const rt::debug::Hooks& {
            std::optional<rt::debug::OpCallback> pre, post;
            if (!pre_op.is_none()) pre = op_callback(pre_op);
            if (!post_op.is_none()) post = op_callback(post_op);
            return rt::debug::Hooks::get(pre, post);
          },
          py::arg("pre_op") = py::none(), py::arg("post_op") = py::none(),
          py::return_value_policy::reference)
      .def("unregister_hooks", [](const rt::debug::Hooks& h) { h.unregisterHooks(); });
  m.def("unregister_hooks", [] { rt::debug::Hooks::get().unregisterHooks(); });

  m.def(
      "get_op_loc_info", [](const PyOpContext& c) { return rt::getOpLocInfo(op_context(c)); },
      py::arg("op_context"));
  m.def(
      "get_op_debug_str", [](const PyOpContext& c) { return rt::getOpDebugString(op_context(c)); },
      py::arg("op_context"));
  m.def(
      "get_op_output_tensor",
      [](const PyOpContext& op, const PyCallbackContext& program) {
        return rt::getOpOutputTensor(op_context(op), program_context(program));
      },
      py::arg("op_context"), py::arg("program_context"));
  m.def(
      "get_program_index",
      [](const PyCallbackContext& program) { return rt::getProgramIndex(program_context(program)); },
      py::arg("program_context"));
  m.def("get_debug_info_golden", &debug_info_golden, py::arg("binary"), py::arg("loc"));
}

py::dict debug_info_golden(const rt::Binary& binary, const std::string& loc) {
  py::dict out;
  const auto& bin = binary.get();
  for (size_t p = 0; p < bin.goldens.size(); ++p) {
    for (const auto& g : bin.goldens[p].goldens) {
      if (g.loc != loc) continue;
      if (g.device_id == binary::Golden::kAllDevices) {
        const uint32_t devices = p < bin.programs.size() ? bin.programs[p].mesh_shape.volume() : 1;
        for (uint32_t d = 0; d < devices; ++d) out[py::int_(d)] = py::cast(g);
      } else {
        out[py::int_(g.device_id)] = py::cast(g);
      }
    }
    if (py::len(out) > 0) break;
  }
  return out;
}

}  // namespace meshrt::python
