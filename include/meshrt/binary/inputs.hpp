// Deterministic program inputs. The compiler (to compute goldens), every runtime rank and the
// reference interpreter all derive the same input values from (seed, init, input index,
// device), so no input bytes need to travel or be stored.
#pragma once

#include <cstdint>

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

// Shape an argument has where it lives: local_shape when presharded, else its shape.
const Shape& input_shape(const TensorDesc& desc);

}  // namespace meshrt::binary
