"""ttrt.common.api as the ttrt Python API document shows it (paths adapted)."""
import json
import os
import shutil

import pytest

from ttrt.common.api import API
from ttrt.common.util import Artifacts, Logger


def test_putting_it_all_together(binaries, tmp_path):
    # The document's "Putting it all together", verbatim but for the two paths.
    shutil.copy(binaries["tp_linear_2x4"], tmp_path / "subtract.ttnn")
    from ttrt.common.api import API
    from ttrt.common.util import Logger
    from ttrt.common.util import Artifacts

    API.initialize_apis()

    custom_args = {}
    custom_args["--clean-artifacts"] = True
    custom_args["--save-artifacts"] = True
    custom_args["--loops"] = 10
    custom_args["--init"] = "randn"
    custom_args["binary"] = str(tmp_path / "subtract.ttnn")

    log_file_name = "some_file_name.log"
    custom_logger = Logger(log_file_name)

    artifacts_folder_path = str(tmp_path / "opt" / "folder")
    custom_artifacts = Artifacts(logger=custom_logger, artifacts_folder_path=artifacts_folder_path)

    run_instance = API.Run(args=custom_args, logger=custom_logger, artifacts=custom_artifacts)
    result_code, results = run_instance()

    assert result_code == 0
    assert len(results) == 1 and results[0]["result"] == "pass", results
    assert results[0]["file_path"] == custom_args["binary"]
    assert results[0]["artifacts"] == artifacts_folder_path
    loops = results[0]["program_results"]["program_index_0"]
    assert sorted(loops) == [f"loop_{i}" for i in range(10)]
    # --save-artifacts wrote the program's tensors under the artifacts folder.
    saved = os.listdir(os.path.join(artifacts_folder_path, "subtract.ttnn", "run", "program_0"))
    assert any(n.startswith("input_") for n in saved) and "device_output_0.npy" in saved
    # The log went to the logger's file.
    assert os.path.getsize(log_file_name) > 0


def test_query_read_run_as_the_document_sets_them_up(binaries, monkeypatch):
    API.initialize_apis()
    custom_args = {}
    custom_args["--clean-artifacts"] = True
    query_instance = API.Query(args=custom_args)

    monkeypatch.setenv("LOGGER_LEVEL", "DEBUG")
    custom_logger = Logger("some_file_name.log")
    read_instance = API.Read(args={"binary": binaries["two_programs"]}, logger=custom_logger)
    run_instance = API.Run(args={"binary": binaries["dir"]},
                           artifacts=Artifacts(logger=custom_logger,
                                               artifacts_folder_path="artifacts"))

    result_code, results = query_instance()
    assert result_code == 0 and results, results
    assert results[0]["result"] == "pass" and "cluster" in json.dumps(results[0]), results

    result_code, results = read_instance()
    assert result_code == 0 and len(results) == 1
    assert results[0]["file_path"] == binaries["two_programs"]
    # DEBUG from LOGGER_LEVEL: the logger recorded the command line it ran.
    assert "ttrt read" in open("some_file_name.log").read()

    result_code, results = run_instance()
    assert result_code == 0
    names = sorted(os.path.basename(r["file_path"]) for r in results)
    assert names == sorted(f"{s}.ttnn" for s in
                           ("tp_linear_2x4", "two_programs", "presharded_exp_1x2", "all_gather_8x4"))
    assert all(r["result"] == "pass" for r in results), results
    assert all(r["artifacts"] == "artifacts" for r in results), results


def test_perf_and_check(binaries):
    API.initialize_apis()
    code, results = API.Perf(args={"binary": binaries["tp_linear_2x4"]})()
    assert code == 0 and results[0]["result"] == "pass", results
    assert os.path.exists("ttrt-artifacts/tp_linear_2x4.ttnn/perf/ops_perf_results.csv")
    code, results = API.Check(args={"binary": binaries["tp_linear_2x4"]})()
    assert code == 0 and results and all(r["result"] == "pass" for r in results), results


def test_apis_are_stateless(binaries):
    API.initialize_apis()
    run = API.Run(args={"binary": binaries["two_programs"]})
    code, first = run()
    assert code == 0 and len(first) == 1
    run["binary"] = "missing.ttnn"
    code, second = run()
    assert code != 0
    assert all(r["file_path"] != binaries["two_programs"] for r in second), second


def test_missing_binary_and_bad_arguments():
    API.initialize_apis()
    code, results = API.Run(args={"binary": "nowhere/x.ttnn"})()
    assert code != 0
    assert results and "nowhere/x.ttnn" in json.dumps(results)
    with pytest.raises(ValueError, match="'binary'"):
        API.Run(args={})()
    with pytest.raises(ValueError, match="unknown argument 'loops'"):
        API.Run(args={"binary": "x.ttnn", "loops": 2})()
    # A flag the CLI does not know fails like the CLI: exit 1 (CLI11's parse error), no crash.
    code, _ = API.Run(args={"binary": "x.ttnn", "--no-such-flag": True})()
    assert code != 0


def test_logger_levels(monkeypatch, tmp_path):
    import logging
    monkeypatch.setenv("TTRT_LOGGER_LEVEL", "ERROR")
    monkeypatch.setenv("LOGGER_LEVEL", "DEBUG")
    assert Logger(str(tmp_path / "a.log")).get_logger().level == logging.ERROR
    monkeypatch.delenv("TTRT_LOGGER_LEVEL")
    assert Logger(str(tmp_path / "b.log")).get_logger().level == logging.DEBUG
    a = Artifacts(artifacts_folder_path=str(tmp_path / "arts"))
    assert a.get_binary_run_folder_path("d/x.ttnn") == str(tmp_path / "arts" / "x.ttnn" / "run")
