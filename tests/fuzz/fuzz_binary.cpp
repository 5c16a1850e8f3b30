// The binary loader as `ttrt run` uses it: bytes -> tt::runtime::Binary (deserialize, then the
// verifier on every program). A binary that loads and is small (at most 8 chips, 64 ops, 64 Ki
// elements per value) is also run on a simulated mesh with golden checks, so kernels, the reference
// interpreter and the memory preflights see whatever the verifier lets through.
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "meshrt/verify/verify.hpp"
#include "meshrt/runtime/runtime.hpp"

namespace {

bool small(const meshrt::binary::Program& p) {
  if (p.mesh_shape.volume() > 8 || p.ops.size() > 64) return false;
  for (const auto& v : p.values) {
    auto n = meshrt::checked_volume(v.shape, 1 << 16);
    if (!n) return false;
    if (v.presharded && !meshrt::checked_volume(v.local_shape, 1 << 16)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshrt;
  namespace rt = tt::runtime;
  std::span<const uint8_t> bytes(data, size);
  binary::Binary bin;
  binary::LoadOptions ignore;
  ignore.ignore_version = true;
  if (fuzz::refused([&] { bin = verify::load_verified(bytes, "fuzz.ttnn", ignore); })) return 0;
  rt::Binary loaded;
  bool loads =
      !fuzz::refused([&] { loaded = rt::Binary::loadFromBytes(bytes, "fuzz.ttnn", true); });
  fuzz::expect(loads, "the runtime loads what load_verified accepts");
  for (uint32_t i = 0; i < bin.programs.size(); ++i) {
    const binary::Program& p = bin.programs[i];
    if (p.is_private || !small(p)) continue;
    fuzz::refused([&] {
      rt::MeshDeviceOptions mo;
      mo.cluster = builtin_cluster("t3k");
      mo.meshShape = std::vector<uint32_t>{p.mesh_shape.rows, p.mesh_shape.cols};
      rt::Device mesh = rt::openMeshDevice(mo);
      try {
        rt::RunOptions ro;
        rt::runProgram(mesh, loaded, i, ro);
      } catch (...) {
        rt::closeMeshDevice(mesh);
        throw;
      }
      rt::closeMeshDevice(mesh);
    });
  }
  rt::releaseBinary(loaded);
  return 0;
}
