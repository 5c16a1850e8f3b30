"""ttrt.binary: binaries, goldens and system descriptions."""
import json
import os

import numpy as np

import ttrt.binary
from conftest import ttrt_cli


def test_binary_accessors(binaries):
    b = ttrt.binary.load_binary_from_path(binaries["two_programs"])
    assert b.file_identifier == "MRTB" and b.version == "0.1.0"
    assert len(b.schema_hash) == 64 and int(b.schema_hash, 16) >= 0
    n = b.get_num_programs()
    assert n == 3
    names = [b.get_program_name(i) for i in range(n)]
    assert len(set(names)) == 3
    private = [b.is_program_private(i) for i in range(n)]
    assert private.count(False) >= 1
    for i in range(n):
        ins = json.loads(b.get_program_inputs_as_json(i))
        outs = json.loads(b.get_program_outputs_as_json(i))
        ops = json.loads(b.get_program_ops_as_json(i))
        assert ins and outs and ops
        assert all("shape" in t and "dtype" in t for t in ins + outs)
        assert all("loc" in op for op in ops)
    whole = json.loads(b.as_json())
    assert json.dumps(whole).count('"name"') >= 3
    assert b.get_mlir_as_json()
    # The same file's bytes load to the same programs.
    with open(binaries["two_programs"], "rb") as f:
        c = ttrt.binary.load_binary_from_bytes(f.read())
    assert [c.get_program_name(i) for i in range(c.get_num_programs())] == names


def test_golden_tensors(binaries):
    b = ttrt.binary.load_binary_from_path(binaries["tp_linear_2x4"])
    goldens = ttrt.binary.get_debug_info_golden(b, "partial_matmul")
    assert sorted(goldens) == list(range(8))
    g = goldens[3]
    assert g.name == "partial_matmul" and g.shape == [256, 512] and g.stride == [512, 1]
    assert g.dtype == ttrt.runtime.DataType.Float32
    buf = g.get_data_buffer()
    assert buf.dtype == np.uint8 and buf.size == 256 * 512 * 4
    arr = g.to_numpy()
    assert arr.shape == (256, 512) and buf.tobytes() == arr.tobytes()
    # The partial products of different devices differ.
    assert not np.array_equal(goldens[0].to_numpy(), goldens[1].to_numpy())
    assert b.get_debug_info_golden("no such loc") == {}


def test_system_descs(tmp_path):
    ttrt_cli("query", "--save-artifacts", "--artifact-dir", str(tmp_path / "arts"))
    path = tmp_path / "arts" / "system_desc.ttsys"
    assert path.exists()
    d = ttrt.binary.load_system_desc_from_path(str(path))
    current = ttrt.binary.get_current_system_desc()
    assert d.cluster_name == current.cluster_name
    assert d.get_num_chips() == current.get_num_chips()
    assert d.get_mesh_shape() == current.get_mesh_shape()
    assert json.loads(d.as_json())


def test_cluster_from_environment(monkeypatch):
    src = os.environ["MESHRT_SOURCE_DIR"]
    monkeypatch.setenv("TT_CLUSTER", os.path.join(src, "configs", "clusters", "t3k.json"))
    d = ttrt.binary.get_current_system_desc()
    assert d.get_num_chips() == 8 and d.get_mesh_shape() == [2, 4]
