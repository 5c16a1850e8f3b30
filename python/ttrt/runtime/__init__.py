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


class DeviceRuntime(_enum.Enum):
    Disabled = "disabled"
    TTNN = "ttnn"
    TTMetal = "ttmetal"


_current_runtime = DeviceRuntime.TTNN


def set_current_device_runtime(device_runtime):
    """meshrt runs one kind of program (its own flatbuffers, TTNN-style): TTNN is the only
    device runtime there is to choose."""
    global _current_runtime
    if device_runtime != DeviceRuntime.TTNN:
        raise NotImplementedError(f"device runtime {device_runtime} is not available on meshrt: "
                                  f"its simulated mesh runs TTNN programs only")
    _current_runtime = device_runtime


def get_current_device_runtime():
    return _current_runtime


class DispatchCoreType(str, _enum.Enum):
    """MeshDeviceOptions.dispatch_core_type (a simulated chip has no dispatch cores; kept)."""
    WORKER = "WORKER"
    ETH = "ETH"
