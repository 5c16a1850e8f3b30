#include "meshrt/common/timeouts.hpp"
#include "meshrt/runtime/serve.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "meshrt/common/error.hpp"
#include "session.hpp"

namespace meshrt::runtime {

int serve(comm::Communicator& world) {
  detail::Session& session = detail::Session::get();
  session.set_comm(&world);
  const auto idle = Timeouts::get().worker_idle;
  for (;;) {
    comm::Bytes bytes;
    try {
      bytes = world.recv(0, detail::kTagControl, comm::Deadline::after(idle));
    } catch (const Error& e) {
      spdlog::error("worker rank {} stops: no command from rank 0: {}", world.rank(), e.what());
      return 1;
    }
    wire::Response response;
    response.rank = world.rank();
    wire::Command command;
    bool shutdown = false;
    try {
      command = wire::decode_command(bytes);
      shutdown = command.kind() == wire::Kind::kShutdown;
      response.seq = command.seq;
      spdlog::info("rank {} executes command {} '{}'", world.rank(), command.seq,
                   wire::kind_name(command.kind()));
      if (command.kind() == wire::Kind::kSubmit) {
        session.start_worker_job(command);  // answers rank 0 itself, when the run is over
        continue;
      }
      session.drain();
      response.payload = session.execute(command);
    } catch (const Error& e) {
      response.ok = false;
      response.code = e.code();
      response.message = e.what();
    } catch (const std::exception& e) {
      response.ok = false;
      response.code = ErrorCode::kInternal;
      response.message = e.what();
    }
    try {
      const std::vector<uint8_t> answer = wire::encode(response);
      world.send(0, detail::kTagResponse, answer,
                 comm::Deadline::after(Timeouts::get().data(answer.size())));
    } catch (const Error& e) {
      spdlog::error("worker rank {} cannot answer rank 0: {}", world.rank(), e.what());
      return 1;
    }
    if (shutdown) return 0;
  }
}

}  // namespace meshrt::runtime
