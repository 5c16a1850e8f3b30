"""The ttrt commands as a Python API, as tt-mlir's ttrt.common.api:

    API.initialize_apis()
    result_code, results = API.Run(args={"binary": "x.ttnn", "--loops": 2})()

Each API instance holds an args dict whose keys are the command's flags ("--loops") and, for
read, run, perf and check, "binary" (a file or a directory). Missing flags take the command
line's defaults; True passes a switch, False or None leaves it out. Calling the instance runs
the same native command as the `ttrt` executable in this process (under mpirun, run and perf
use every rank) and returns its exit code (0 passed, 42 golden failures only, 1 otherwise) and
the entries of its result file. APIs are stateless: every call starts afresh.
"""
import json
import os

from .. import _ttrt
from .util import Artifacts, Logger


class _Command:
    name = ""
    positional = None  # the key of the positional argument, if any
    result_file = ""

    def __init__(self, args=None, logger=None, artifacts=None):
        self.args = dict(args or {})
        self.logger = logger if logger is not None else Logger()
        self.logging = self.logger.get_logger()
        self.artifacts = artifacts

    # tt-mlir's API classes have these; meshrt's do their work in __call__.
    @classmethod
    def initialize_api(cls):
        return None

    def preprocess(self):
        return None

    def check_constraints(self):
        if self.positional and not self.args.get(self.positional):
            raise ValueError(f"API.{type(self).__name__}: args[{self.positional!r}] is required")

    def execute(self):
        return self()

    def postprocess(self):
        return None

    @staticmethod
    def register_arg(*args, **kwargs):
        return None

    @staticmethod
    def generate_subparser(*args, **kwargs):
        return None

    def __getitem__(self, key):
        return self.args[key]

    def __setitem__(self, key, value):
        self.args[key] = value

    def argv(self):
        """The command line this instance runs (after "ttrt")."""
        argv = [self.name]
        if self.positional:
            argv.append(str(self.args[self.positional]))
        for key, value in self.args.items():
            if key == self.positional or value is None or value is False:
                continue
            if not key.startswith("-"):
                raise ValueError(f"API.{type(self).__name__}: unknown argument {key!r} "
                                 "(flags are spelt as on the command line, e.g. '--loops')")
            if value is True:
                argv.append(key)
            elif isinstance(value, (list, tuple)):
                argv += [key, ",".join(str(v) for v in value)]
            else:
                argv += [key, str(value)]
        if self.logger.file_name and "--log-file" not in self.args:
            argv += ["--log-file", self.logger.file_name]
        if self.artifacts is not None and "--artifact-dir" not in self.args:
            argv += ["--artifact-dir", self.artifacts.get_artifacts_folder_path()]
        return argv

    def __call__(self):
        self.check_constraints()
        argv = self.argv()
        result_file = self.args.get("--result-file") or self.result_file
        if result_file and os.path.exists(result_file):
            os.remove(result_file)  # stateless: never report an earlier call's results
        self.logging.debug(f"ttrt {' '.join(argv)}")
        code = _ttrt.run_cli(argv)
        results = []
        if result_file and os.path.exists(result_file):
            with open(result_file) as f:
                results = json.load(f)
        return code, results


class Query(_Command):
    name = "query"
    result_file = "query_results.json"


class Read(_Command):
    name = "read"
    positional = "binary"
    result_file = "read_results.json"


class Run(_Command):
    name = "run"
    positional = "binary"
    result_file = "run_results.json"


class Perf(_Command):
    name = "perf"
    positional = "binary"
    result_file = "perf_results.json"


class Check(_Command):
    name = "check"
    positional = "binary"
    result_file = "check_results.json"


class API:
    registered_apis = {}

    @staticmethod
    def initialize_apis():
        for cls in (Query, Read, Run, Perf, Check):
            API.register_api(cls)

    @staticmethod
    def register_api(api_class):
        api_class.initialize_api()
        API.registered_apis[api_class.__name__] = api_class
        setattr(API, api_class.__name__, api_class)
