"""meshrt's builder: write TTIR programs in Python, get their goldens from meshrt's reference
interpreter, and run them on the simulated mesh (tt-mlir's builder API).

    builder.ttir.ttir_builder.TTIRBuilder   one method per TTIR op meshrt runs
    builder.base.builder_apis               build_module, compile_ttir_to_flatbuffer, ...
    builder.base.builder_runtime            execute_fb, GoldenMapTensor
    builder.base.builder_enums              ReduceType, MeshShardType, MeshShardDirection, ...
"""
