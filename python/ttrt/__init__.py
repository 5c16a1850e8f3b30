"""meshrt's ttrt: tt-mlir's ttrt Python package on a simulated mesh of chips.

    ttrt.common.api.API   the ttrt commands (Query, Read, Run, Perf, Check) with an args dict
    ttrt.runtime          meshes, programs, tensors and debug hooks (tt-mlir's names)
    ttrt.binary           binaries, goldens and system descriptions

Under mpirun or tt-run (`mpirun -np N python3 script.py`), every rank imports ttrt: rank 0 goes
on with the script and drives the job, every other rank serves rank 0's commands from inside
this import and exits when rank 0's interpreter ends.
"""
import atexit as _atexit
import ctypes as _ctypes

__version__ = "0.1.0"


def _load_mpi_globally():
    # OpenMPI loads its components with dlopen and they expect libmpi's symbols to be global;
    # an extension module is loaded with RTLD_LOCAL, so load libmpi globally first.
    for name in ("libmpi.so.40", "libmpi.so"):
        try:
            _ctypes.CDLL(name, mode=_ctypes.RTLD_GLOBAL)
            return
        except OSError:
            continue


_load_mpi_globally()

from . import _ttrt  # noqa: E402  (a worker rank serves inside this import)

_atexit.register(_ttrt.shutdown)
