"""TTIRBuilder: one method per TTIR op meshrt runs, made from meshrt's op catalogue.

Each method takes the op's operands (in TTIROps.td order; a variadic operand as a list, an
optional one as a keyword defaulting to None) and its attributes as keywords named as in
TTIROps.td, plus `output_type=` (the result's dtype; the first operand's by default),
`loc=` (the op's location; the calling Python line by default), `unit_attrs=` (names of unit
attributes to add) and `output_shape=` (the result shape, for ops whose shape no operand or
attribute gives, such as arange). Attribute values are Python ints, floats, bools, strings,
sequences, numpy arrays (for elements attributes) or the enums of builder.base.builder_enums.
The result shapes come from meshrt's verifier; an op that does not verify raises BuilderError
naming the op and the Python line.
"""
import inspect
from enum import Enum

import numpy as np

from ..base.builder import Builder, BuilderError, Operand, _caller_site, _native, mlir_dtype
from ..base.golden_map import to_numpy

_SCHEMAS = _native.op_schemas()

# Ops whose schema names an attribute that holds their result shape.
_SHAPE_ATTRS = ("shape", "size")


# ---------------------------------------------------------------------------------------------
# Attribute values as MLIR text, by the storage kind TTIROps.td declares


def _int(v, what):
    if isinstance(v, Enum):
        v = v.value
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise BuilderError(f"{what} must be an integer, not {v!r}")
    return int(v)


def _float_text(v, what):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.floating, np.integer)):
        raise BuilderError(f"{what} must be a number, not {v!r}")
    return f"{float(v):.9e}"


def _ints(v, what):
    if isinstance(v, (int, np.integer)) or not hasattr(v, "__iter__"):
        raise BuilderError(f"{what} must be a sequence of integers, not {v!r}")
    return [_int(x, what) for x in v]


_INT_TYPES = {"I32Attr": "i32", "SI32Attr": "si32", "UI32Attr": "ui32", "I64Attr": "i64",
              "SI64Attr": "si64"}
_ENUMS = {"TTCore_ReduceTypeAttr": "reduce_type", "TTCore_MeshShardTypeAttr": "shard_type",
          "TTCore_MeshShardDirectionAttr": "shard_direction",
          "TTCore_AttentionMaskTypeAttr": "attention_mask_type",
          "TTCore_MoEActivationFunctionAttr": "moe_activation_function"}


def _elements_text(value, what, element=None):
    array = to_numpy(value)
    if element is None:
        element = "i64" if array.dtype.kind in "iu" else "f32" if array.dtype.kind == "f" else None
        if array.dtype.kind == "b":
            element = "i1"
    if element is None:
        raise BuilderError(f"{what}: no element type for a {array.dtype} array")

    def nested(a):
        if a.ndim == 0:
            x = a.item()
            if element == "i1":
                return "true" if x else "false"
            return f"{float(x):.9e}" if element.startswith(("f", "bf")) else str(int(x))
        return "[" + ", ".join(nested(s) for s in a) + "]"

    return f"dense<{nested(array)}> : {tensor_text(array.shape, element)}"


def tensor_text(shape, dtype):
    return "tensor<" + "".join(f"{d}x" for d in shape) + dtype + ">"


def attribute_text(kind, value, what):
    """`value` written as an attribute of storage kind `kind` (from the op catalogue)."""
    if "|" in kind:  # AnyAttrOf: the alternative the value fits
        alternatives = kind.split("|")
        if hasattr(value, "__iter__") and not isinstance(value, str):
            pick = next((k for k in alternatives if "Array" in k), alternatives[-1])
        elif isinstance(value, float):
            pick = next((k for k in alternatives if k.startswith("F")), alternatives[0])
        else:
            pick = next((k for k in alternatives if k in _INT_TYPES), alternatives[0])
        return attribute_text(pick, value, what)
    if kind in _INT_TYPES:
        return f"{_int(value, what)} : {_INT_TYPES[kind]}"
    if kind == "F32Attr":
        return f"{_float_text(value, what)} : f32"
    if kind == "BoolAttr":
        if not isinstance(value, (bool, np.bool_)):
            raise BuilderError(f"{what} must be a bool, not {value!r}")
        return "true" if value else "false"
    if kind in ("StrAttr", "Builtin_StringAttr"):
        if not isinstance(value, str):
            raise BuilderError(f"{what} must be a string, not {value!r}")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if kind in ("DenseI64ArrayAttr", "DenseI32ArrayAttr"):
        width = "i64" if "64" in kind else "i32"
        return f"array<{width}: " + ", ".join(str(x) for x in _ints(value, what)) + ">" \
            if len(_ints(value, what)) else f"array<{width}>"
    if kind in ("I32ArrayAttr", "I64ArrayAttr"):
        width = "i64" if "64" in kind else "i32"
        return "[" + ", ".join(f"{x} : {width}" for x in _ints(value, what)) + "]"
    if kind in _ENUMS:
        mnemonic = value.value if isinstance(value, Enum) else value
        if not isinstance(mnemonic, str):
            raise BuilderError(f"{what} must be a {_ENUMS[kind]} (an enum of "
                               f"builder.base.builder_enums or its name), not {value!r}")
        return f"#ttcore.{_ENUMS[kind]}<{mnemonic.lower()}>"
    if kind in ("I64ElementsAttr",):
        return _elements_text(value, what, "i64")
    if kind == "ElementsAttr":
        return _elements_text(value, what)
    if kind == "UnitAttr":
        return None
    if isinstance(value, str):  # an attribute meshrt prints as given (layouts, affine maps)
        return value
    raise BuilderError(f"{what}: attributes of kind {kind} are given as their MLIR text (a str)")


# ---------------------------------------------------------------------------------------------
# The op methods


def _make_method(op_name, schema):
    operands = [e for e in schema["operands"]]
    attributes = [e for e in schema["attributes"]]
    results = [e for e in schema["results"]]
    fixed_results = [r for r in results if not r["optional"] and not r["variadic"]]

    # Ops whose operands need operandSegmentSizes to be told apart: two or more optional or
    # variadic operands, or one followed by other operands.
    flexible = [i for i, e in enumerate(operands) if e["optional"] or e["variadic"]]
    sized_segments = len(flexible) >= 2 or (len(flexible) == 1 and flexible[0] != len(operands) - 1)

    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    optional_seen = False
    for e in operands:  # after an optional operand every operand has a default (checked below)
        optional_seen = optional_seen or e["optional"]
        default = None if optional_seen else inspect.Parameter.empty
        params.append(inspect.Parameter(e["name"], inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                        default=default))
    seen = {p.name for p in params}
    for e in attributes:
        if e["name"] in seen:
            continue
        default = None if e["optional"] else inspect.Parameter.empty
        params.append(inspect.Parameter(e["name"], inspect.Parameter.KEYWORD_ONLY, default=default))
    for extra in ("output_type", "loc", "unit_attrs", "output_shape", "num_results"):
        params.append(inspect.Parameter(extra, inspect.Parameter.KEYWORD_ONLY, default=None))
    signature = inspect.Signature(params)

    def method(self, *args, **kwargs):
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError as e:
            raise BuilderError(f"{_caller_site()}: ttir.{op_name}: {e}") from None
        values = bound.arguments
        ops, segments = [], []
        for e in operands:
            v = values.get(e["name"])
            if v is None:
                if e["optional"]:
                    segments.append(0)
                    continue
                raise BuilderError(f"{_caller_site()}: ttir.{op_name}: operand {e['name']} is "
                                   f"required")
            if e["variadic"]:
                if isinstance(v, Operand):
                    v = [v]
                ops += list(v)
                segments.append(len(v))
            else:
                ops.append(v)
                segments.append(1)
        attrs = []
        shape_hint = None
        for e in attributes:
            v = values.get(e["name"])
            if v is None:
                continue
            what = f"{_caller_site()}: ttir.{op_name}: attribute {e['name']}"
            if e["kind"] == "UnitAttr":
                if v:
                    attrs.append((e["name"], "unit"))
                continue
            attrs.append((e["name"], attribute_text(e["kind"], v, what)))
            if e["name"] in _SHAPE_ATTRS and hasattr(v, "__iter__"):
                shape_hint = tuple(int(x) for x in v)
        if sized_segments:  # which operands are which, as MLIR writes it for such ops
            attrs.append(("operandSegmentSizes",
                          "array<i32: " + ", ".join(str(n) for n in segments) + ">"))
        count = values.get("num_results") or len(fixed_results)
        output_type = values.get("output_type")
        try:
            dtype = mlir_dtype(output_type) if output_type is not None else None
        except BuilderError as e:
            raise BuilderError(f"{_caller_site()}: ttir.{op_name}: output_type: {e}") from None
        dtypes = None
        if dtype is not None:
            dtypes = [dtype] * count
        elif not ops:
            dtypes = ["f32"] * count
        out_shape = values.get("output_shape") or shape_hint
        placeholder = None
        if out_shape is not None:  # one shape for every result, or one per result
            per_result = len(out_shape) > 0 and hasattr(out_shape[0], "__iter__")
            placeholder = ([tuple(s) for s in out_shape] if per_result
                           else [tuple(out_shape)] * count)
            if len(placeholder) != count:
                raise BuilderError(f"{_caller_site()}: ttir.{op_name}: output_shape gives "
                                   f"{len(placeholder)} shapes for {count} results")
        elif not ops:
            raise BuilderError(f"{_caller_site()}: ttir.{op_name} has no operand to take a "
                               f"result shape from: give output_shape=")
        unit_attrs = list(values.get("unit_attrs") or [])
        attrs_no_unit = [(k, v) for k, v in attrs if v != "unit"]
        unit_attrs += [k for k, v in attrs if v == "unit"]
        return self._op(op_name, ops, attrs_no_unit, count, dtypes=dtypes,
                        placeholder=placeholder, loc=values.get("loc"), unit_attrs=unit_attrs)

    method.__name__ = op_name
    method.__qualname__ = f"TTIRBuilder.{op_name}"
    method.__signature__ = signature
    method.__doc__ = (f"ttir.{op_name}: operands ({', '.join(e['name'] for e in operands)}), "
                      f"attributes ({', '.join(e['name'] for e in attributes)}), "
                      f"{len(fixed_results)} result(s).")
    return method


class TTIRBuilder(Builder):
    """Builds TTIR functions op by op; see the module documentation for the op methods."""

    def __init__(self, ctx=None, location=None, mesh_name="mesh", mesh_dict=None, **kwargs):
        super().__init__(mesh_name=mesh_name, mesh_dict=mesh_dict, loc=location, **kwargs)

    def constant(self, value, output_type=None, loc=None, unit_attrs=None):
        """ttir.constant holding `value` (a numpy array or torch tensor)."""
        array = to_numpy(value)
        dtype = mlir_dtype(output_type) if output_type is not None else mlir_dtype(array.dtype)
        element = {"si32": "si32", "si64": "si64"}.get(dtype, dtype)
        text = _elements_text(array, f"{_caller_site()}: ttir.constant: value", element)
        return self._op("constant", [], [("value", text)], 1, dtypes=[dtype],
                        placeholder=[tuple(array.shape)], loc=loc, unit_attrs=unit_attrs)


_PIPELINE_ONLY = []
for _name, _schema in sorted(_SCHEMAS.items()):
    if _schema["execution"] == "pipeline_only":
        _PIPELINE_ONLY.append(_name)
        continue
    if _schema["execution"] == "call" or hasattr(TTIRBuilder, _name):
        continue
    setattr(TTIRBuilder, _name, _make_method(_name, _schema))


def _pipeline_only(name, why):
    def method(self, *args, **kwargs):
        raise NotImplementedError(f"ttir.{name} is not a TTIR program op: it is {why}")

    method.__name__ = name
    return method


for _name in _PIPELINE_ONLY:
    setattr(TTIRBuilder, _name, _pipeline_only(_name, _SCHEMAS[_name]["why_not"]))
