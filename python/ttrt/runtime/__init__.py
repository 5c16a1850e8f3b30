"""ttrt.runtime: meshes, programs, tensors and debug hooks, with tt-mlir's names.

Errors from the runtime raise ttrt.runtime.Error (a RuntimeError; `.code` holds meshrt's error
code such as "invalid_argument" or "not_found"). An exception raised inside a DebugHooks
callback ends the run and is raised again, traceback and all, by the call that ran it.
"""
import enum as _enum

from .._ttrt import binary as _native_binary
from .._ttrt import runtime as _native

globals().update({k: getattr(_native, k) for k in dir(_native) if not k.startswith("_")})
Binary = _native_binary.Binary  # the executable submit() takes

Error = _native.Error

from .distributed import (  # noqa: E402
    DistributedMode,
    DistributedOptions,
    MultiProcessArgs,
    launch_distributed_runtime,
    shutdown_distributed_runtime,
)


class Arch(_enum.Enum):
    WORMHOLE_B0 = "wormhole_b0"
    BLACKHOLE = "blackhole"


def get_arch():
    """The chip arch of the current system (the cluster of $TT_CLUSTER, else the default)."""
    return Arch(_native_binary.get_current_system_desc().arch)


def get_current_system_desc():
    """The system description of the current cluster and this host (ttrt.binary.SystemDesc)."""
    return _native_binary.get_current_system_desc()
