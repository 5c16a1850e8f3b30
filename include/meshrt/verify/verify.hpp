// Static checks of parsed TTIR programs, and the liveness annotation the runtime relies on.
//
// verify_and_annotate() mutates the binary it is given (Op::frees); the caller owns it and
// must not share it with other threads while it runs. supported_ops() returns a reference to
// an immutable set built once; safe to use from any thread.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "meshrt/binary/binary_io.hpp"
#include "meshrt/binary/program.hpp"

namespace meshrt::verify {

// Checks every op of every program: operand count, attribute presence/types, and that the
// declared result shapes/dtypes agree with the op's semantics (e.g. mesh_shard shard_shape must
// divide the tensor: an indivisible shard is an error naming the op, its loc, the dim and sizes).
// Also computes Op::frees (last uses; a program output or input is never freed by the program).
// Errors: Error(kInvalidArgument, "path:line:col: op 'NAME' at loc 'LOC': what, expected vs
// actual") (line:col from Op::src_line/src_col, omitted when unknown); Error(kUnsupported) for
// an op name outside supported_ops().
void verify_and_annotate(binary::Binary& binary, const std::string& path);

// Shape inference by the verifier's own rules (a builder's): the result shapes the rules of op
// `op_index` of program `program_index` expect from its operands and attributes. A result whose
// rule derives no shape (a reshape's comes from its `shape` attribute, a creation op's from its
// declared type) keeps its declared shape. Every other rule of the op is checked as
// verify_and_annotate() checks it, with the same errors.
std::vector<Shape> infer_result_shapes(const binary::Binary& binary, size_t program_index,
                                       size_t op_index, const std::string& path);

// Binary bytes as they are loaded to run or check: deserialize() (its checks of the bytes),
// then verify_and_annotate() on every program, since a binary is untrusted input (shapes,
// attributes and calls checked again, last uses recomputed rather than read). Throws the
// first error of either, naming `name`.
binary::Binary load_verified(std::span<const uint8_t> bytes, const std::string& name,
                             const binary::LoadOptions& options = {});

// The set of TTIR op names (without "ttir.") the verifier accepts.
const std::set<std::string>& supported_ops();

}  // namespace meshrt::verify
