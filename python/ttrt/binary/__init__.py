"""ttrt.binary: loading binaries (.ttnn) and system descriptions (.ttsys).

A Binary is loaded on every rank of the job (rank 0 reads the file and sends its bytes).
"""
from .._ttrt import binary as _native
from .._ttrt import runtime as _native_runtime

globals().update({k: getattr(_native, k) for k in dir(_native) if not k.startswith("_")})
get_debug_info_golden = _native_runtime.get_debug_info_golden
