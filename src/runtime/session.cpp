// The session's state: the communicator and what is open or loaded, by handle.
#include "session.hpp"

#include <fmt/format.h>

#include "meshrt/comm/local.hpp"
#include "meshrt/common/error.hpp"

namespace meshrt::runtime::detail {

Session& Session::get() {
  static Session session;
  return session;
}

comm::Communicator& Session::comm() {
  if (!comm_) {
    own_ = comm::make_single_process();
    comm_ = own_.get();
  }
  return *comm_;
}

void Session::set_comm(comm::Communicator* comm) {
  if (comm != nullptr && comm == comm_) return;  // the same world: keep what is open
  drain();
  meshes.clear();
  binaries.clear();
  last_runs.clear();
  broken_.clear();
  workers_down_ = false;
  comm_ = comm;
  if (comm) own_.reset();
}

MeshEntry& Session::mesh(MeshHandle handle) {
  auto it = meshes.find(handle);
  if (it == meshes.end()) {
    raise(ErrorCode::kNotFound,
          fmt::format("mesh device {} is not open (closed or released?)", handle.value));
  }
  return it->second;
}

std::shared_ptr<const binary::Binary> Session::binary(BinaryHandle handle) {
  auto it = binaries.find(handle);
  if (it == binaries.end())
    raise(ErrorCode::kNotFound, fmt::format("binary {} is not loaded", handle.value));
  return it->second;
}

}  // namespace meshrt::runtime::detail
