"""tt-mlir's runtime module name: `_ttmlir_runtime.runtime` is ttrt.runtime and
`_ttmlir_runtime.binary` is ttrt.binary, as the builder documents import them."""
from ttrt import binary, runtime  # noqa: F401
