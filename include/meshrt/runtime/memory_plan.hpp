// Static memory planning: how much DRAM a program needs on one chip at its peak (every value
// allocated when produced and released at its last use, tile padding included). Used by
// `ttrt check` and, before anything is allocated, by run_program: a program that cannot fit
// fails within milliseconds, before host memory is spent on it.
#pragma once

#include <cstdint>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/mesh/cluster.hpp"

namespace meshrt::runtime {

// Values that never reach a chip, as the executor runs them (and as ttnn keeps them on the host):
// a whole program input or a shard_to_full result whose only uses are full_to_shard mesh_shards
// (or the program's return). Indexed by value id.
std::vector<bool> host_only_values(const binary::Program& program);
// Bytes of those values (row-major, as host tensors): what rank 0 holds besides its chips.
uint64_t host_value_bytes(const binary::Program& program);

// Host-only values are not counted.
uint64_t peak_device_bytes(const binary::Program& program);

// DRAM a chip of `chip` can hold for tensors (the trace region excluded).
uint64_t usable_dram_bytes(const ChipDesc& chip);

// Throws Error(kOutOfMemory) naming the program, bytes needed and bytes available when the
// peak does not fit a chip's DRAM.
void check_program_fits(const binary::Program& program, const ChipDesc& chip);

// Bytes of memory the host can still give (MemAvailable), or 0 if unknown.
uint64_t host_available_bytes();

// The simulated chips keep their tensors in host memory: throws Error(kOutOfMemory) when
// `local_chips` chips at the program's peak (and, on rank 0, the host-only values) would not
// fit in what the host has available, naming the rank, the bytes and the remedy (more ranks).
// Presharded arguments no op reads whole, and their views (binary::untouched_values), do not
// count: generated, only the rows read are made.
void check_host_fits(const binary::Program& program, size_t local_chips, int rank);

}  // namespace meshrt::runtime
