"""Logger and Artifacts for ttrt.common.api, with the interfaces of tt-mlir's ttrt.

A Logger names the file the native command writes its log lines to (`--log-file`) and sets the
Python logging level from TTRT_LOGGER_LEVEL (else LOGGER_LEVEL): CRITICAL, ERROR, WARNING,
INFO or DEBUG. An Artifacts object names the artifact directory (`--artifact-dir`).
"""
import logging as _logging
import os

_LEVELS = {
    "CRITICAL": _logging.CRITICAL,
    "ERROR": _logging.ERROR,
    "WARNING": _logging.WARNING,
    "INFO": _logging.INFO,
    "DEBUG": _logging.DEBUG,
}


def logger_level():
    """The level TTRT_LOGGER_LEVEL (else LOGGER_LEVEL) asks for; INFO when neither is set."""
    name = os.environ.get("TTRT_LOGGER_LEVEL") or os.environ.get("LOGGER_LEVEL") or "INFO"
    return _LEVELS.get(name.upper(), _logging.INFO)


class Logger:
    def __init__(self, file_name=""):
        self.file_name = file_name
        self.logging = _logging.getLogger(f"ttrt.{id(self)}")
        self.logging.setLevel(logger_level())
        self.logging.propagate = False
        handler = _logging.FileHandler(file_name, mode="w") if file_name else _logging.StreamHandler()
        handler.setFormatter(_logging.Formatter("%(asctime)s - %(levelname)s - %(message)s"))
        self.logging.addHandler(handler)
        self.logging.info(f"set log file={self.file_name}")

    def get_logger(self):
        return self.logging


class Artifacts:
    def __init__(self, logger=None, file_manager=None, artifacts_folder_path=""):
        self.logger = logger if logger is not None else Logger()
        self.logging = self.logger.get_logger()
        self.file_manager = file_manager
        self.artifacts_folder_path = artifacts_folder_path or os.path.join(
            os.environ.get("TT_MLIR_HOME", os.getcwd()), "ttrt-artifacts"
        )
        self.logging.info(f"setting artifacts folder path={self.artifacts_folder_path}")

    def get_artifacts_folder_path(self):
        return self.artifacts_folder_path

    def get_binary_folder_path(self, binary):
        return os.path.join(self.artifacts_folder_path, os.path.basename(_name(binary)))

    def get_binary_perf_folder_path(self, binary):
        return os.path.join(self.get_binary_folder_path(binary), "perf")

    def get_binary_run_folder_path(self, binary):
        return os.path.join(self.get_binary_folder_path(binary), "run")


def _name(binary):
    return binary if isinstance(binary, str) else getattr(binary, "name", str(binary))
