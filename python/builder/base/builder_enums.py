"""The TTCore enums builder ops take; each value is the attribute's MLIR mnemonic."""
from enum import Enum


class ReduceType(Enum):
    Sum = "sum"
    Mean = "mean"
    Max = "max"
    Min = "min"
    Std = "std"
    Var = "var"
    Prod = "prod"
    Invalid = "invalid"


class MeshShardType(Enum):
    Identity = "identity"
    Replicate = "replicate"
    Maximal = "maximal"
    Devices = "devices"


class MeshShardDirection(Enum):
    FullToShard = "full_to_shard"
    ShardToFull = "shard_to_full"


class AttentionMaskType(Enum):
    NoMask = "none"
    Causal = "causal"
    Arbitrary = "arbitrary"


class MoEActivationFunction(Enum):
    Silu = "silu"
    Swiglu = "swiglu"


class GoldenCheckLevel(Enum):
    DISABLED = "disabled"        # store no goldens
    OP_LEVEL = "op_level"        # check every op's golden
    GRAPH_LEVEL = "graph_level"  # check the graph's outputs only
