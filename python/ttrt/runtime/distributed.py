"""Controller mode, as tt-mlir's ttrt.runtime: one Python process starts the workers itself.

    args = MultiProcessArgs.create("configs/rank_bindings/t3k_2proc.yaml").with_allow_run_as_root(True)
    options = DistributedOptions()
    options.mode = DistributedMode.MultiProcess
    options.multi_process_args = args
    launch_distributed_runtime(options)      # 2 workers, one per rank of the binding
    ... the usual ttrt.runtime calls: the workers hold the chips, this process drives ...
    shutdown_distributed_runtime()

The workers are MPI processes this one starts with MPI_Comm_spawn (OpenMPI): worker i is rank
i of the binding, sets the binding's global_env, env_overrides, TT_MESH_ID, TT_MESH_HOST_RANK
and TT_CLUSTER (its mesh_graph_desc_path), and serves this process's commands. This process
holds no chips. LocalSubprocess mode starts one worker holding every chip.

MPI reads its settings from the environment once, when it starts in this process (the first
launch): with_mca_options, with_allow_run_as_root, with_tag_output and the --mca/-x parts of
with_extra_mpi_args are applied then. A worker that dies makes the next runtime call raise
ttrt.runtime.Error naming its rank (within the runtime's deadlines, about 20 s).
"""
import enum as _enum
import os as _os
import shlex as _shlex
import sys as _sys

from .. import _ttrt


class DistributedMode(_enum.Enum):
    LocalSubprocess = 0
    MultiProcess = 1


class MultiProcessArgs:
    """The launch of the workers (tt-mlir's builder: each with_* returns self)."""

    def __init__(self, rank_binding_path):
        self._rank_binding_path = str(rank_binding_path)
        self._binding = _ttrt.load_rank_binding(self._rank_binding_path)
        self.hosts = []
        self.hosts_file_path = ""
        self.rank_file_path = ""
        self.mca_options = {}
        self.tag_output = False
        self.allow_run_as_root = False
        self.extra_mpi_args = ""
        self.controller_hostname = ""
        self.tracy = False
        self.tracy_args = ""

    @staticmethod
    def create(rank_binding_path):
        return MultiProcessArgs(rank_binding_path)

    def get_rank_binding_path(self):
        return self._rank_binding_path

    def with_hosts(self, hosts):
        self.hosts = list(hosts)
        return self

    def with_hosts_file_path(self, path):
        self.hosts_file_path = str(path)
        return self

    def with_rank_file_path(self, path):
        self.rank_file_path = str(path)
        return self

    def with_mca_options(self, options):
        self.mca_options = {str(k): str(v) for k, v in dict(options).items()}
        return self

    def with_tag_output(self, value=True):
        self.tag_output = bool(value)
        return self

    def with_allow_run_as_root(self, value=True):
        self.allow_run_as_root = bool(value)
        return self

    def with_extra_mpi_args(self, args):
        self.extra_mpi_args = str(args)
        return self

    def with_controller_hostname(self, hostname):
        self.controller_hostname = str(hostname)  # MPI connects the workers itself: unused
        return self

    def with_tracy(self, value=True):
        self.tracy = bool(value)
        return self

    def with_tracy_args(self, args):
        self.tracy_args = str(args)
        return self

    def to_arg_string(self):
        """The mpirun arguments this launch amounts to (for logs; the launch spawns directly)."""
        parts = []
        if self.hosts:
            parts += ["--host", ",".join(self.hosts)]
        if self.hosts_file_path:
            parts += ["--hostfile", self.hosts_file_path]
        for k, v in self.mca_options.items():
            parts += ["--mca", k, v]
        if self.tag_output:
            parts.append("--tag-output")
        if self.allow_run_as_root:
            parts.append("--allow-run-as-root")
        if self.extra_mpi_args:
            parts += _shlex.split(self.extra_mpi_args)
        return " ".join(_shlex.quote(p) for p in parts)

    def _mpi_env_and_worker_env(self):
        """(MPI settings for this process's environment, env for every worker) from the
        extra arguments; anything the spawn cannot express is refused by name."""
        mpi = {f"OMPI_MCA_{k}": v for k, v in self.mca_options.items()}
        workers = {}
        tokens = _shlex.split(self.extra_mpi_args)
        i = 0
        while i < len(tokens):
            t = tokens[i]
            if t in ("--mca", "-mca") and i + 2 < len(tokens):
                mpi[f"OMPI_MCA_{tokens[i + 1]}"] = tokens[i + 2]
                i += 3
            elif t in ("-x", "--x") and i + 1 < len(tokens):
                name, has_value, value = tokens[i + 1].partition("=")
                workers[name] = value if has_value else _os.environ.get(name, "")
                i += 2
            elif t == "--oversubscribe":
                mpi["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
                i += 1
            elif t == "--bind-to" and i + 1 < len(tokens):
                mpi["OMPI_MCA_hwloc_base_binding_policy"] = tokens[i + 1]
                i += 2
            else:
                raise ValueError(
                    f"with_extra_mpi_args: {t!r} cannot be applied to workers started by "
                    "MPI_Comm_spawn (meshrt takes --mca K V, -x NAME[=VALUE], --oversubscribe "
                    "and --bind-to P)")
        if self.tag_output:
            mpi["OMPI_MCA_orte_tag_output"] = "1"
        if self.allow_run_as_root:
            mpi["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            mpi["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        if self.rank_file_path:
            raise ValueError("with_rank_file_path: rank files are not supported by meshrt's "
                             "controller mode (use the rank binding and with_hosts)")
        if self.tracy:
            raise ValueError("with_tracy: there is no Tracy in meshrt (ttrt perf writes its "
                             "own traces)")
        return mpi, workers


class DistributedOptions:
    def __init__(self):
        self.mode = DistributedMode.LocalSubprocess
        self.controller_port = 0  # MPI connects the workers: unused, kept for scripts
        self.multi_process_args = None


def _worker_argv(env):
    # A worker is this interpreter importing ttrt, which joins the controller's world and
    # serves it (ttrt/__init__.py): its environment comes first.
    code = f"import os; os.environ.update({env!r}); import ttrt"
    return ["-c", code]


def launch_distributed_runtime(options=None):
    """Starts the workers and makes every later ttrt.runtime call span them."""
    options = options if options is not None else DistributedOptions()
    mpi_env = {}
    workers = []
    hosts, hostfile = [], ""
    if options.mode == DistributedMode.MultiProcess:
        args = options.multi_process_args
        if not isinstance(args, MultiProcessArgs):
            raise ValueError("DistributedOptions.multi_process_args must be a MultiProcessArgs "
                             "(MultiProcessArgs.create(rank_binding_path)) in MultiProcess mode")
        mpi_env, extra_env = args._mpi_env_and_worker_env()
        binding = args._binding
        for r in binding["ranks"]:
            env = dict(binding["global_env"])
            env.update(TT_MESH_ID=str(r["mesh_id"]), TT_MESH_HOST_RANK=str(r["mesh_host_rank"]),
                       TT_CLUSTER=binding["cluster_path"])
            env.update(r["env_overrides"])
            env.update(extra_env)
            workers.append(_worker_argv(env))
        _os.environ["TT_CLUSTER"] = binding["cluster_path"]  # this process's view of the chips
        hosts, hostfile = args.hosts, args.hosts_file_path
    elif options.mode == DistributedMode.LocalSubprocess:
        env = {"TT_CLUSTER": _os.environ["TT_CLUSTER"]} if _os.environ.get("TT_CLUSTER") else {}
        workers.append(_worker_argv(env))
    else:
        raise ValueError(f"DistributedOptions.mode: unknown mode {options.mode!r}")
    for k, v in mpi_env.items():  # what the launch asks for
        _os.environ[k] = v
    # Workers spawned by a process not started by mpirun reach it over TCP (shared memory does
    # not cross the two jobs): tcp joins whatever BTL list is set; loopback when every worker is
    # local, unless interfaces are set already.
    btl = _os.environ.get("OMPI_MCA_btl", "self,vader,tcp")
    if not btl.startswith("^") and "tcp" not in btl.split(","):
        btl += ",tcp"
    _os.environ["OMPI_MCA_btl"] = btl
    defaults = {"OMPI_MCA_rmaps_base_oversubscribe": "1"}
    if not hosts and not hostfile:
        defaults.update(OMPI_MCA_btl_tcp_if_include="lo", OMPI_MCA_oob_tcp_if_include="lo")
    for k, v in defaults.items():
        _os.environ.setdefault(k, v)
    _ttrt.launch_workers(_sys.executable, workers, hosts, hostfile)


def shutdown_distributed_runtime():
    """Ends the workers; this process is a single process again (its devices and binaries
    are released). A worker that does not answer raises ttrt.runtime.Error naming it."""
    _ttrt.stop_workers()
