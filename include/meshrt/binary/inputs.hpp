// Deterministic program inputs. The compiler (to compute goldens), every runtime rank and the
// reference interpreter all derive the same input values from (seed, init, input index,
// device), so no input bytes need to travel or be stored.
#pragma once

#include <cstdint>
#include <vector>

#include "meshrt/binary/program.hpp"

namespace meshrt::binary {

// The value of argument `input_index` of `program`:
//  - a presharded argument: the local shard held by `device` (shape TensorDesc::local_shape);
//  - otherwise the full host tensor (`device` is ignored).
// Arguments the op catalogue marks as index operands (embedding rows, scatter and gather
// indices, cache positions...) are drawn below their bound; arguments it marks as quantized
// (the input of dequantize_unrolled / requantize) from [-128, 127] ([0, 255] for unsigned
// storage) with randn init.
HostTensor generate_input(const Program& program, size_t input_index, DeviceId device,
                          uint64_t seed, InitKind init, uint32_t ones_density = 1);

// Whether `op`'s result holds its operand 0's elements in the same row-major order (the
// catalogue's ElementOrder, the permutation checked): the executor and the reference
// interpreter give a generated operand not yet made as a view, still not made.
bool keeps_element_order(const Op& op);

// Per value of `program`: true for a generated value (an argument, or a view of one through ops
// that keep element order) that no op ever reads whole, so that it is never made in full: every
// use reads only rows of it (an embedding's table) or is such a view, or it has no use.
// Outputs are read whole.
std::vector<bool> untouched_values(const Program& program);
// untouched_values for the arguments, in argument order.
std::vector<bool> untouched_inputs(const Program& program);

// Shape an argument has where it lives: local_shape when presharded, else its shape.
const Shape& input_shape(const TensorDesc& desc);

}  // namespace meshrt::binary
