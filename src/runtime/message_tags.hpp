// The runtime's message tags on a rank's communicator (or a run's channel). The communicator's
// own collectives use theirs (kTagBroadcast, kTagAllgather, kTagBarrier in
// meshrt/comm/communicator.hpp); these stay clear of them and below Channel::kTagsPerChannel.
#pragma once

namespace meshrt::runtime::detail {

inline constexpr int kTagControl = 1;      // the controller's commands to the workers
inline constexpr int kTagShards = 2;       // shards and routed rows between the ranks of a run
inline constexpr int kTagResponse = 11;    // the workers' answers to a command
inline constexpr int kTagHookGather = 12;  // tensors a debug hook gathers to rank 0

}  // namespace meshrt::runtime::detail
