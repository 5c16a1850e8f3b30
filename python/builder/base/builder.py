"""The builder's core: operands, functions and modules as TTIR text, with goldens.

A builder records ops into functions and prints them as TTIR that `ttrt compile` reads. It holds
no op semantics: result shapes come from meshrt's verifier (one op at a time, as each is
built, so a bad op raises at the Python line that built it) and goldens from meshrt's
reference interpreter (the whole module, once, when they are first asked for).
"""
import inspect
import os
import warnings as _warnings
from collections import OrderedDict

import numpy as np

from ttrt import _ttrt
from ttrt.runtime import Error as _RuntimeError

from .builder_enums import GoldenCheckLevel
from .golden_map import GoldenMapTensor, to_numpy

_native = _ttrt.builder
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class BuilderError(ValueError):
    """A program the builder cannot build: names the op and the Python line that built it."""


# ---------------------------------------------------------------------------------------------
# Element types


def _torch():
    try:
        import torch
        return torch
    except ImportError:
        return None


_NUMPY_TO_MLIR = {
    np.dtype(np.float32): "f32", np.dtype(np.float64): "f64", np.dtype(np.float16): "f16",
    np.dtype(np.int32): "si32", np.dtype(np.int64): "si64", np.dtype(np.int16): "si16",
    np.dtype(np.uint32): "ui32", np.dtype(np.uint16): "ui16", np.dtype(np.uint8): "ui8",
    np.dtype(np.bool_): "i1",
}
_MLIR_NAMES = {"f32", "f64", "f16", "bf16", "si32", "i32", "si64", "i64", "si16", "i16",
               "ui32", "ui16", "ui8", "i1"}


def mlir_dtype(dtype):
    """The MLIR element type name of a torch dtype, a numpy dtype or an MLIR name."""
    if isinstance(dtype, str) and dtype in _MLIR_NAMES:
        return dtype
    torch = _torch()
    if torch is not None and isinstance(dtype, torch.dtype):
        names = {torch.float32: "f32", torch.float64: "f64", torch.float16: "f16",
                 torch.bfloat16: "bf16", torch.int32: "si32", torch.int64: "si64",
                 torch.int16: "si16", torch.uint8: "ui8", torch.bool: "i1"}
        if dtype in names:
            return names[dtype]
        raise BuilderError(f"unknown dtype {dtype}: meshrt has no element type for it")
    try:
        np_dtype = np.dtype(dtype)
    except TypeError:
        raise BuilderError(f"unknown dtype {dtype!r}: give a torch dtype, a numpy dtype or an "
                           f"MLIR element type name ({', '.join(sorted(_MLIR_NAMES))})") from None
    if np_dtype not in _NUMPY_TO_MLIR:
        raise BuilderError(f"unknown dtype {dtype!r}: meshrt has no element type for it")
    return _NUMPY_TO_MLIR[np_dtype]


def tensor_type(shape, dtype):
    dims = "".join(f"{int(d)}x" for d in shape)
    return f"tensor<{dims}{dtype}>"


# ---------------------------------------------------------------------------------------------
# Operands and ops


class Operand:
    """A value of a function being built: an argument or an op's result."""

    def __init__(self, func, name, shape, dtype, op=None, index=0):
        self.func = func
        self.name = name              # SSA name, "%arg0" or "%3"
        self.shape = tuple(int(d) for d in shape)
        self.dtype = dtype            # MLIR element type name
        self.op = op                  # the _Op that made it (None for an argument)
        self.index = index            # which of op's results

    @property
    def type(self):
        return tensor_type(self.shape, self.dtype)

    @property
    def loc(self):
        return self.op.loc if self.op else None

    def __repr__(self):
        return f"Operand({self.name}: {self.type})"


OpView = Operand  # tt-mlir's name for an op's result
OpResult = Operand


class _Op:
    def __init__(self, name, operands, attrs, unit_attrs, loc, py_site, callee=None):
        self.name = name              # "ttir.add", or "call"
        self.operands = operands
        self.attrs = attrs            # [(name, MLIR text)]
        self.unit_attrs = list(unit_attrs or [])
        self.loc = loc
        self.py_site = py_site        # "file.py:12", where Python built it
        self.callee = callee
        self.results = []

    def text(self, debug_info):
        lhs = ", ".join(r.name for r in self.results)
        lhs = lhs + " = " if lhs else ""
        args = ", ".join(o.name for o in self.operands)
        in_types = ", ".join(o.type for o in self.operands)
        outs = [r.type for r in self.results]
        out_types = outs[0] if len(outs) == 1 else f"({', '.join(outs)})"
        if self.name == "call":
            head = f"{lhs}call @{self.callee}({args})"
        else:
            head = f'{lhs}"{self.name}"({args})'
            if self.attrs:
                head += " <{" + ", ".join(f"{k} = {v}" for k, v in sorted(self.attrs)) + "}>"
            if self.unit_attrs:
                head += " {" + ", ".join(self.unit_attrs) + "}"
        line = f"{head} : ({in_types}) -> {out_types}"
        if debug_info and self.loc:
            line += f" loc({_quote(self.loc)})"
        return line


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Func:
    def __init__(self, name, private, py_site, device_module):
        self.name = name
        self.private = private
        self.py_site = py_site
        self.device_module = device_module
        self.args = []
        self.arg_attrs = []
        self.ops = []
        self.results = []
        self.result_attrs = []
        self._next = 0

    def new_value(self):
        name = f"%{self._next}"
        self._next += 1
        return name

    def text(self, debug_info, indent="  "):
        args = []
        for a, attrs in zip(self.args, self.arg_attrs):
            args.append(f"{a.name}: {a.type}" + (f" {{{attrs}}}" if attrs else ""))
        outs = [r.type + (f" {{{attrs}}}" if attrs else "")
                for r, attrs in zip(self.results, self.result_attrs)]
        out = outs[0] if len(outs) == 1 and "{" not in outs[0] else f"({', '.join(outs)})"
        visibility = "private " if self.private else ""
        lines = [f"{indent}func.func {visibility}@{self.name}({', '.join(args)}) -> {out} {{"]
        for op in self.ops:
            lines.append(indent + "  " + op.text(debug_info))
        ret = ", ".join(r.name for r in self.results)
        types = ", ".join(r.type for r in self.results)
        lines.append(f"{indent}  return {ret} : {types}")
        lines.append(indent + "}")
        return "\n".join(lines)


def _caller_site():
    """file:line of the first frame outside this package (the user's line)."""
    for frame in inspect.stack()[1:]:
        path = os.path.abspath(frame.filename)
        if not path.startswith(_PACKAGE_DIR + os.sep):
            return f"{frame.filename}:{frame.lineno}"
    return "<unknown>:0"


# ---------------------------------------------------------------------------------------------
# Modules


class _Operation:
    def __init__(self, module):
        self._module = module

    def get_asm(self, enable_debug_info=False, **_):
        return self._module.text(debug_info=enable_debug_info)


class Module:
    """A built TTIR module: `print(module)` shows it, `module.operation.get_asm(
    enable_debug_info=True)` with every op's location (what `ttrt compile` is given)."""

    def __init__(self, builder):
        self._builder = builder
        self.operation = _Operation(self)

    def text(self, debug_info=False):
        return self._builder._module_text(debug_info)

    def __str__(self):
        return self.text(False)

    def __repr__(self):
        return self.text(False)


# ---------------------------------------------------------------------------------------------
# The builder


class Builder:
    """What every builder shares: functions, operands, the mesh, goldens."""

    def __init__(self, mesh_name="mesh", mesh_dict=None, loc=None, **_):
        mesh_dict = mesh_dict if mesh_dict is not None else OrderedDict([("x", 1), ("y", 1)])
        shape = tuple(int(v) for v in mesh_dict.values())
        if len(shape) != 2 or min(shape) < 1:
            raise BuilderError(f"mesh_dict {dict(mesh_dict)} must give 2 positive extents")
        self._mesh_name = mesh_name
        self._mesh_shape = shape
        self._loc = loc
        self._funcs = []              # in module order
        self._device_module = False
        self._func_stack = []
        self._input_goldens = {}      # Operand (argument) -> tensor or callable
        self._operand_goldens = {}    # Operand -> tensor: a golden the user gives
        self._goldens_to_check = None
        self._bypassed = set()        # locs whose check is skipped
        self._debug_actions = {}      # loc -> [(kind, argument, site)]
        self._goldens = None          # computed: [{key: {device: array}}] per function
        self._seed = 0
        self._source = None           # a loaded module's text (load_mlir_file)
        self._described = None        # its programs as meshrt's compiler reads them
        self.golden_check_level = GoldenCheckLevel.OP_LEVEL

    # -- the mesh ------------------------------------------------------------------------------
    @property
    def mesh_shape(self):
        return self._mesh_shape

    @property
    def num_devices(self):
        return self._mesh_shape[0] * self._mesh_shape[1]

    # -- functions -----------------------------------------------------------------------------
    def func(self, input_shapes, input_types=None, presharded_args=None,
             presharded_results=None):
        """Decorator: builds `fn(*operands, builder)` as a public function of the module."""
        shapes = [tuple(s) for s in input_shapes]
        types = list(input_types) if input_types is not None else ["f32"] * len(shapes)
        if len(types) != len(shapes):
            raise BuilderError(f"{len(shapes)} input shapes but {len(types)} input types")
        site = _caller_site()

        try:
            mlir_types = [mlir_dtype(t) for t in types]
        except BuilderError as e:
            raise BuilderError(f"{site}: builder.func: {e}") from None

        def decorate(fn):
            self._build_func(fn, shapes, mlir_types, site, private=False,
                             presharded_args=presharded_args or {},
                             presharded_results=presharded_results or {})
            return fn

        return decorate

    def device_module(self, root_func):
        """Decorator: the functions `root_func(builder)` builds go into a ttcore.device_module."""
        self._device_module = True
        root_func(self)
        return root_func

    def call(self, fn, operands, loc=None):
        """Calls `fn(*operands, builder)` built as a private function (once per name)."""
        caller = self._current("call")
        site = _caller_site()
        existing = next((f for f in self._funcs if f.name == fn.__name__), None)
        if existing is None:
            existing = self._build_func(fn, [o.shape for o in operands],
                                        [o.dtype for o in operands], site, private=True)
        got = [(o.shape, o.dtype) for o in operands]
        want = [(a.shape, a.dtype) for a in existing.args]
        if got != want:
            raise BuilderError(f"{site}: call of @{existing.name} with operands "
                               f"{[o.type for o in operands]}, it takes {[a.type for a in existing.args]}")
        op = _Op("call", list(operands), [], [], loc or site, site, callee=existing.name)
        for i, r in enumerate(existing.results):
            op.results.append(Operand(caller, caller.new_value(), r.shape, r.dtype, op, i))
        caller.ops.append(op)
        self._goldens = None
        return op.results[0] if len(op.results) == 1 else tuple(op.results)

    def _build_func(self, fn, shapes, dtypes, site, private, presharded_args=None,
                    presharded_results=None):
        if any(f.name == fn.__name__ for f in self._funcs):
            raise BuilderError(f"{site}: a function named '{fn.__name__}' is already built")
        f = _Func(fn.__name__, private, site, self._device_module)
        presharded_args = presharded_args or {}
        for i, (shape, dtype) in enumerate(zip(shapes, dtypes)):
            attrs = ""
            if i in presharded_args:
                shape = self._local_shape(shape, presharded_args[i], f"argument {i}", site)
                attrs = "ttcore.shard_status = #ttcore.shard_status<presharded>"
            f.args.append(Operand(f, f"%arg{i}", shape, dtype))
            f.arg_attrs.append(attrs)
        f.presharded_args = {i: tuple(v) for i, v in presharded_args.items()}
        self._funcs.append(f)
        self._func_stack.append(f)
        try:
            out = fn(*f.args, self)
        finally:
            self._func_stack.pop()
        results = list(out) if isinstance(out, (tuple, list)) else [out]
        for r in results:
            if not isinstance(r, Operand) or r.func is not f:
                raise BuilderError(f"{site}: function '{f.name}' must return operands it built, "
                                   f"not {r!r}")
        f.results = results
        presharded_results = presharded_results or {}
        f.result_attrs = ["ttcore.shard_status = #ttcore.shard_status<presharded>"
                          if i in presharded_results else "" for i in range(len(results))]
        f.presharded_results = {i: tuple(v) for i, v in presharded_results.items()}
        self._goldens = None
        return f

    def _local_shape(self, shape, shard_dims, what, site):
        shape = list(shape)
        for axis, dim in enumerate(shard_dims):
            if dim < 0:
                continue
            n = self._mesh_shape[axis]
            if dim >= len(shape) or shape[dim] % n:
                raise BuilderError(f"{site}: presharded {what} {tuple(shape)}: dim {dim} does not "
                                   f"split over mesh axis {axis} of {n} devices")
            shape[dim] //= n
        return tuple(shape)

    def _current(self, what):
        if not self._func_stack:
            raise BuilderError(f"{what} outside a function: build ops inside @builder.func")
        return self._func_stack[-1]

    # -- ops -----------------------------------------------------------------------------------
    def _op(self, name, operands, attrs, results, dtypes=None, placeholder=None, loc=None,
            unit_attrs=None):
        """Appends op `name` (without "ttir.") to the current function and returns its results.
        `attrs` are (name, MLIR text) pairs; result shapes come from meshrt's verifier,
        starting from `placeholder` shapes (the first operand's by default)."""
        f = self._current(f"ttir.{name}")
        site = _caller_site()
        for o in operands:
            if not isinstance(o, Operand):
                raise BuilderError(f"{site}: ttir.{name}: an operand must be a builder operand, "
                                   f"not {type(o).__name__}")
            if o.func is not f:
                raise BuilderError(f"{site}: ttir.{name}: operand {o.name} belongs to function "
                                   f"'{o.func.name}', not '{f.name}'")
        if placeholder is None:
            placeholder = [operands[0].shape if operands else ()] * results
        if dtypes is None:
            dtypes = [operands[0].dtype if operands else "f32"] * results
        op = _Op(f"ttir.{name}", list(operands), attrs, unit_attrs, loc or site, site)
        op.results = [Operand(f, f"%{i}", placeholder[i], dtypes[i], op, i) for i in range(results)]
        shapes = self._infer(f, op, site, infer=True)
        op.results = [Operand(f, f"%{i}", shapes[i], dtypes[i], op, i) for i in range(results)]
        self._infer(f, op, site, infer=False)  # the op as built, checked by every rule
        op.results = [Operand(f, f.new_value(), shapes[i], dtypes[i], op, i)
                      for i in range(results)]
        f.ops.append(op)
        self._goldens = None
        if results == 0:
            return None
        return op.results[0] if results == 1 else tuple(op.results)

    def _infer(self, f, op, site, infer):
        """The op's result shapes by meshrt's verifier, on a module of the op alone (infer), or
        the op checked as ttrt compile checks it."""
        args, renamed = [], {}
        for i, o in enumerate(op.operands):
            if o.name not in renamed:
                renamed[o.name] = Operand(f, f"%arg{len(args)}", o.shape, o.dtype)
                args.append(renamed[o.name])
        probe = _Op(op.name, [renamed[o.name] for o in op.operands], op.attrs, op.unit_attrs,
                    op.loc, site)
        probe.results = op.results
        results = ", ".join(r.name for r in op.results)
        types = ", ".join(r.type for r in op.results)
        sig = ", ".join(f"{a.name}: {a.type}" for a in args)
        ret = f"return {results} : {types}" if op.results else "return"
        outs = f"({types})"
        text = (f"{self._module_header()} {{\n  func.func @probe({sig}) -> {outs} {{\n"
                f"    {probe.text(True)}\n    {ret}\n  }}\n}}\n")
        try:
            if not infer:
                return _native.verify(text, site)
            return [tuple(s) for s in _native.infer_result_shapes(text, 0, 0, site)]
        except _RuntimeError as e:
            raise BuilderError(f"{site}: {op.name}: {_strip_position(str(e))}") from None

    def _module_header(self):
        rows, cols = self._mesh_shape
        return (f'module attributes {{ttcore.meshes = #ttcore.meshes<[<"{self._mesh_name}" = '
                f"{rows}x{cols}>]>}}")

    def _load(self, text, path):
        """Makes this builder hold the module `text` (its functions' arguments as operands)."""
        try:
            self._described = _native.describe(text, path)
        except _RuntimeError as e:
            raise BuilderError(f"{path}: the module does not load: {e}") from None
        self._source = text
        for p in self._described:
            f = _Func(p["name"], p["private"], path, False)
            for i, t in enumerate(p["inputs"]):
                f.args.append(Operand(f, f"%arg{i}", t["local_shape"], t["dtype"]))
                f.arg_attrs.append("")
            f.presharded_args = {}
            f.presharded_results = {}
            f.loaded_inputs = p["inputs"]
            self._funcs.append(f)
        if self._described:
            self._mesh_shape = tuple(self._described[0]["mesh_shape"])

    def _module_text(self, debug_info):
        if self._source is not None:
            return self._source
        host = [f for f in self._funcs if not f.device_module]
        device = [f for f in self._funcs if f.device_module]
        body = [f.text(debug_info) for f in host]
        if device:
            inner = "\n".join(f.text(debug_info, "      ") for f in device)
            body.append(f"  ttcore.device_module {{\n    builtin.module {{\n{inner}\n    }}\n  }}")
        return self._module_header() + " {\n" + "\n".join(body) + "\n}\n"

    # -- goldens -------------------------------------------------------------------------------
    def set_goldens(self, goldens, override=False):
        """Inputs' goldens: {argument operand: tensor, or a callable of the shape such as
        torch.zeros}."""
        for operand, value in goldens.items():
            self._expect_argument(operand, "set_goldens")
            if operand in self._input_goldens and not override:
                continue
            self._input_goldens[operand] = value
        self._goldens = None

    def set_operand_goldens(self, goldens, override=True):
        """Goldens of op results, in place of the reference interpreter's."""
        for operand, value in goldens.items():
            if not isinstance(operand, Operand):
                raise BuilderError(f"set_operand_goldens: {operand!r} is not a builder operand")
            array = to_numpy(value)
            if tuple(array.shape) != operand.shape:
                what = f"the result of {operand.op.name}" if operand.op else "an argument"
                raise BuilderError(f"{_caller_site()}: golden of {operand.name} ({what}) has "
                                   f"shape {tuple(array.shape)}, the operand is {operand.type}")
            self._operand_goldens[operand] = value

    def set_goldens_to_check(self, operands, override=False):
        """Only these operands' goldens are checked (besides the outputs)."""
        if self._goldens_to_check is None or override:
            self._goldens_to_check = []
        self._goldens_to_check += list(operands)

    def set_graph_level_check(self, check):
        self.golden_check_level = (GoldenCheckLevel.GRAPH_LEVEL if check
                                   else GoldenCheckLevel.OP_LEVEL)

    def bypass(self, operand):
        """The op that made `operand` is not checked against its golden."""
        if not isinstance(operand, Operand) or operand.op is None:
            raise BuilderError(f"bypass: {operand!r} is not an op's result")
        self._bypassed.add(operand.op.loc)

    # -- debug actions (tt-mlir's debug dialect ops) ------------------------------------------
    # meshrt's TTIR has no debug dialect: these run on the host after the op that made
    # `operand`, when the module runs through execute_fb / compile_and_execute_ttir.
    def _debug_action(self, operand, kind, arg=None, loc=None):
        if not isinstance(operand, Operand) or operand.op is None:
            raise BuilderError(f"{_caller_site()}: {kind}: {operand!r} is not an op's result")
        self._debug_actions.setdefault(operand.op.loc, []).append((kind, arg, loc or _caller_site()))

    def breakpoint(self, operand, loc=None):
        """Stops in Python's debugger (the `breakpoint()` builtin) after the op that made
        `operand`, with the op's outputs in `outputs`."""
        self._debug_action(operand, "breakpoint", None, loc)

    def print(self, operand, message, loc=None):
        """Prints `message` and the op's location after the op that made `operand`."""
        self._debug_action(operand, "print", message, loc)

    def memory_snapshot(self, operand, file_path, loc=None):
        """Writes every chip's memory view (JSON) to `file_path` after the op that made
        `operand`."""
        self._debug_action(operand, "memory_snapshot", file_path, loc)

    def dump(self, operand, file_path, loc=None):
        """Writes the op's output, one array per device (numpy .npz), to `file_path`."""
        self._debug_action(operand, "dump", file_path, loc)

    def _expect_argument(self, operand, what):
        if not isinstance(operand, Operand) or operand.op is not None:
            raise BuilderError(f"{what}: {operand!r} is not a function argument")

    def _input_array(self, operand):
        """The user's golden of an argument as a numpy array of its logical shape, or None."""
        if operand not in self._input_goldens:
            return None
        value = self._input_goldens[operand]
        f = operand.func
        index = f.args.index(operand)
        if isinstance(value, GoldenMapTensor):  # one tensor per device, as given
            arrays = [to_numpy(value.shard_at(d)) for d in range(self.num_devices)]
            for a in arrays:
                if tuple(a.shape) != operand.shape:
                    raise BuilderError(f"golden of argument {index} of '{f.name}' has shape "
                                       f"{tuple(a.shape)} on a device, the argument is {operand.shape}")
            return arrays
        shape = self._logical_shape(f, index)
        if callable(value) and not hasattr(value, "shape"):
            value = value(shape)
        array = to_numpy(value)
        if tuple(array.shape) != tuple(shape):
            raise BuilderError(f"golden of argument {index} of '{f.name}' has shape "
                               f"{tuple(array.shape)}, the argument is {tuple(shape)}")
        return array

    def _logical_shape(self, f, index):
        shape = list(f.args[index].shape)
        for axis, dim in enumerate(f.presharded_args.get(index, ())):
            if dim >= 0:
                shape[dim] *= self._mesh_shape[axis]
        return tuple(shape)

    def _shards(self, array, shard_dims):
        """Device d's shard of a logical tensor split along shard_dims (one per mesh axis)."""
        rows, cols = self._mesh_shape
        out = []
        for d in range(rows * cols):
            coord = (d // cols, d % cols)
            index = [slice(None)] * array.ndim
            for axis, dim in enumerate(shard_dims):
                if dim >= 0:
                    n = self._mesh_shape[axis]
                    step = array.shape[dim] // n
                    index[dim] = slice(coord[axis] * step, (coord[axis] + 1) * step)
            out.append(np.ascontiguousarray(array[tuple(index)]))
        return out

    def _compile(self, path="builder.mlir"):
        """(flatbuffer bytes, {function: (program index, goldens)} of the public functions)
        from meshrt's compiler."""
        text = self._module_text(True)
        given = {}
        for f in self._funcs:
            if not f.private:
                arrays = [self._input_array(a) for a in f.args]
                if any(a is not None for a in arrays):
                    given[f.name] = arrays
        try:
            data, programs, warnings = _native.compile(text, path, self._seed)
            if given:
                seeded = {name: g for name, _, g in programs}
                inputs = {}
                for name, arrays in given.items():
                    f = next(f for f in self._funcs if f.name == name)
                    inputs[name] = []
                    for i, a in enumerate(arrays):
                        if a is None:  # the generated input, as every device received it
                            inputs[name].append([np.asarray(seeded[name][f"input_{i}"][d],
                                                            dtype=np.float64)
                                                 for d in range(self.num_devices)])
                        elif isinstance(a, list):  # per device
                            inputs[name].append([np.asarray(x, dtype=np.float64) for x in a])
                        elif i in f.presharded_args:
                            inputs[name].append(self._shards(np.asarray(a, dtype=np.float64),
                                                             f.presharded_args[i]))
                        else:
                            inputs[name].append([np.asarray(a, dtype=np.float64)] *
                                                self.num_devices)
                data, programs, warnings = _native.compile(text, path, self._seed, inputs)
        except _RuntimeError as e:
            raise BuilderError(f"the module does not compile: {e}") from None
        for w in warnings:
            _warnings.warn(f"builder: {w}", stacklevel=3)
        return data, {name: (index, g) for index, (name, private, g) in enumerate(programs)
                      if not private}

    def _golden_maps(self):
        if self._goldens is None:
            _, programs = self._compile()
            self._goldens = {name: g for name, (_, g) in programs.items()}
        return self._goldens

    def get_golden_map(self):
        """{function: {"input_0"/loc/"output_0": GoldenMapTensor}} of every public function."""
        out = {}
        for fname, goldens in self._golden_maps().items():
            out[fname] = {k: GoldenMapTensor(v, self._mesh_shape) for k, v in goldens.items()}
        return out

    @property
    def golden_map(self):
        return self.get_golden_map()

    def get_golden(self, operand):
        """The GoldenMapTensor of an operand (an argument or an op result)."""
        if operand in self._operand_goldens:
            value = to_numpy(self._operand_goldens[operand])
            return GoldenMapTensor({d: value for d in range(self.num_devices)}, self._mesh_shape)
        f = operand.func
        goldens = self._golden_maps().get(f.name)
        if goldens is None:
            raise BuilderError(f"'{f.name}' is a private function: its values have goldens "
                               f"only through the functions that call it")
        if operand.op is None:
            key = f"input_{f.args.index(operand)}"
        else:
            key = operand.op.loc + (f"#{operand.index}" if operand.index else "")
        if key not in goldens:
            raise BuilderError(f"no golden for {operand.name} of '{f.name}' (key {key})")
        return GoldenMapTensor(goldens[key], self._mesh_shape)

    def print_goldens(self):
        for fname, goldens in self.get_golden_map().items():
            for key, g in goldens.items():
                print(f"{fname} {key}: {g}")


def _strip_position(message):
    """A verifier message without its "path:line:col: " prefix (the builder names the site)."""
    marker = "op '"
    at = message.find(marker)
    return message[at:] if at > 0 else message
