"""Every collective the builder has but the MoE routing ops, built and run on 1x2, 2x4, 1x8 and
8x4 meshes: each sharded over the mesh by mesh_shard, run with every op's golden checked on
every device, and the goldens themselves checked against numpy for the reductions, gathers and
distributed norms. Run in one
process or under `mpirun -np N` (rank 0 drives; the others serve). Prints
"collectives: N checks passed"."""
from collections import OrderedDict

import numpy as np

from builder.base.builder_apis import build_module, compile_ttir_module_to_flatbuffer
from builder.base.builder_enums import MeshShardDirection, MeshShardType, ReduceType
from builder.base.builder_runtime import execute_fb

MESHES = [(1, 2), (2, 4), (1, 8), (8, 4)]
ROWS_PER_DEVICE, COLS_PER_DEVICE = 8, 32


def collectives(rows, cols):
    """name -> fn(builder, shard) -> result, for a mesh of rows x cols."""
    ids = np.arange(rows * cols).reshape(rows, cols)
    ring = np.array([[int(i), int((i + 1) % (rows * cols))] for i in range(rows * cols)])
    axis = 1 if cols > 1 else 0
    return {
        "all_gather": lambda b, x: b.all_gather(x, all_gather_dim=1, cluster_axis=axis),
        "all_reduce": lambda b, x: b.all_reduce(x, reduce_type=ReduceType.Sum, cluster_axis=axis),
        "all_reduce_async": lambda b, x: b.all_reduce_async(x, reduce_type=ReduceType.Max,
                                                            cluster_axis=axis),
        "reduce_scatter": lambda b, x: b.reduce_scatter(x, reduce_type=ReduceType.Sum,
                                                        scatter_dim=1, cluster_axis=axis),
        "collective_permute": lambda b, x: b.collective_permute(x, source_target_pairs=ring),
        "collective_broadcast": lambda b, x: b.collective_broadcast(x, replica_groups=ids),
        "mesh_partition": lambda b, x: b.mesh_partition(x, dim=1, cluster_axis=axis),
        "all_to_all": lambda b, x: b.all_to_all(x, split_dim=1, concat_dim=0, split_count=cols,
                                                replica_groups=ids),
        # The norms over a row of the whole tensor, whose pieces lie along the mesh's axis 1.
        "distributed_rms_norm": lambda b, x, w: b.distributed_rms_norm(
            x, weight=w, cluster_axis=axis, epsilon=1e-5),
        "distributed_layer_norm": lambda b, x, w: b.distributed_layer_norm(
            x, weight=w, bias=w, cluster_axis=axis, epsilon=1e-5),
    }


def build(mesh, name, op):
    rows, cols = mesh
    shape = (rows * ROWS_PER_DEVICE, cols * COLS_PER_DEVICE)

    norm = name.startswith("distributed_")
    shapes = [shape, (cols * COLS_PER_DEVICE,)] if norm else [shape]

    def module(builder):
        @builder.func(shapes, [np.float32] * len(shapes))
        def collective(in0, *rest):
            builder = rest[-1]
            shard = builder.mesh_shard(in0, shard_direction=MeshShardDirection.FullToShard,
                                       shard_type=MeshShardType.Devices,
                                       shard_shape=(rows, cols), shard_dims=(0, 1))
            if norm:  # the weight split like the rows' pieces
                w = builder.mesh_shard(rest[0], shard_direction=MeshShardDirection.FullToShard,
                                       shard_type=MeshShardType.Devices, shard_shape=(cols,),
                                       shard_dims=(-1, 0))
                out = op(builder, shard, w)
            else:
                out = op(builder, shard)
            # Every device's result, tiled back over the mesh.
            return builder.mesh_shard(out, shard_direction=MeshShardDirection.ShardToFull,
                                      shard_type=MeshShardType.Devices, shard_shape=(rows, cols),
                                      shard_dims=(0, 1))

    module.__name__ = f"{name}_{rows}x{cols}"
    return build_module(module, "ttir", mesh_dict=OrderedDict([("x", rows), ("y", cols)]))


def check_goldens(mesh, name, builder):
    """The interpreter's goldens of the collective, against numpy on the input's shards."""
    rows, cols = mesh
    g = builder.get_golden_map()["collective"]
    x = np.asarray(g["input_0"].shard_at(0), dtype=np.float64)
    shard = lambda r, c: x[r * ROWS_PER_DEVICE:(r + 1) * ROWS_PER_DEVICE,
                           c * COLS_PER_DEVICE:(c + 1) * COLS_PER_DEVICE]
    op_keys = [k for k in g if not k.startswith(("input_", "output_"))]
    result = g[op_keys[-2]]  # the collective (the last op is the gathering mesh_shard)
    checks = 0
    axis_len = cols if cols > 1 else rows
    for d in range(rows * cols):
        r, c = divmod(d, cols)
        group = [(r, j) for j in range(cols)] if cols > 1 else [(i, c) for i in range(rows)]
        got = np.asarray(result.shard_at(d), dtype=np.float64)
        if name == "all_gather":
            want = np.concatenate([shard(*p) for p in group], axis=1)
        elif name == "all_reduce":
            want = sum(shard(*p) for p in group)
        elif name == "all_reduce_async":
            want = np.max([shard(*p) for p in group], axis=0)
        elif name.startswith("distributed_"):
            w = np.asarray(g["input_1"].shard_at(0), dtype=np.float64)
            row = x[r * ROWS_PER_DEVICE:(r + 1) * ROWS_PER_DEVICE]  # the whole rows
            if name == "distributed_rms_norm":
                full = row / np.sqrt((row ** 2).mean(axis=1, keepdims=True) + 1e-5) * w
            else:
                mean, var = row.mean(axis=1, keepdims=True), row.var(axis=1, keepdims=True)
                full = (row - mean) / np.sqrt(var + 1e-5) * w + w
            want = full[:, c * COLS_PER_DEVICE:(c + 1) * COLS_PER_DEVICE]
        elif name == "reduce_scatter":
            k = c if cols > 1 else r
            total = sum(shard(*p) for p in group)
            step = COLS_PER_DEVICE // axis_len
            want = total[:, k * step:(k + 1) * step]
        else:
            continue
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=f"{name} {mesh} {d}")
        checks += 1
    return checks


def main():
    total = 0
    for mesh in MESHES:
        for name, op in collectives(*mesh).items():
            module, builder = build(mesh, name, op)
            total += check_goldens(mesh, name, builder)
            compiled, io, intermediate = compile_ttir_module_to_flatbuffer(module, builder)
            report = execute_fb(compiled, io, intermediate, enable_intermediate_verification=True,
                                check_atol=True, atol=1e-4)
            entries = [e for per_key in report[0].values() for e in per_key.values()]
            # The scatters and the collective on every device, the gather (one host tensor)
            # and the output.
            ops_per_device = 3 if name.startswith("distributed_") else 2
            assert len(entries) == ops_per_device * mesh[0] * mesh[1] + 2, (name, mesh, len(entries))
            assert all(e["result"] == "pass" for e in entries), (name, mesh)
            total += len(entries)
            print(f"{name} {mesh[0]}x{mesh[1]}: {len(entries)} checks", flush=True)
    print(f"collectives: {total} checks passed")


if __name__ == "__main__":
    main()
