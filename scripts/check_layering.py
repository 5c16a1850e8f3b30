#!/usr/bin/env python3
"""Fails on an #include that crosses meshrt's layers the wrong way.

Usage: scripts/check_layering.py [ROOT]     (ROOT: a source tree, default this one)

A layer is a folder of src/ (its private headers) with its public headers under
include/meshrt/<layer>/; python/src is the `python` layer, launcher/ the `launcher` one (tt-run's
library, whose headers sit next to its sources and are all public). A file
may include its own layer's headers (public or private) and the public headers of the layers
its layer links, directly or through others: the arrows are read from the build
(src/CMakeLists.txt's meshrt_layer() calls, launcher/ and python/ CMakeLists), so the layers a
library may include are exactly those it links. Anything else is reported as "FILE:LINE: LAYER includes X of layer
OTHER", and the exit status is 1; so is a row of docs/architecture.md's layer table whose
"uses" differ from what the build links. Prints how many includes were checked.
"""
import os
import re
import sys

# Library targets and the layer whose folder they build.
TARGETS = {"meshrt_schemas_headers": "schemas", "meshrt_comm_local": "comm",
           "meshrt_comm_mpi": "comm", "_ttrt": "python", "meshrt_launcher": "launcher"}


def read_arrows(root):
    """{layer: layers it links} from the build: src/CMakeLists.txt's meshrt_layer() calls and
    the target_link_libraries of the launcher and the Python module."""
    arrows = {"schemas": set()}
    calls = []
    for rel in ("src/CMakeLists.txt", "launcher/CMakeLists.txt", "python/CMakeLists.txt"):
        text = re.sub(r"#[^\n]*", "", open(os.path.join(root, rel)).read())
        calls += re.findall(r"\b(meshrt_layer|target_link_libraries)\s*\(([^)]*)\)", text)
    for kind, args in calls:
        words = args.split()
        if not words:
            continue
        target = words[0]
        layer = TARGETS.get(target, target[len("meshrt_"):] if target.startswith("meshrt_") else None)
        if layer is None:
            continue
        deps = arrows.setdefault(layer, set())
        for w in words[1:]:
            if w.startswith("meshrt_") or w in TARGETS:
                dep = TARGETS.get(w, w[len("meshrt_"):])
                if dep != layer:
                    deps.add(dep)
    return arrows


INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def docs_table(root):
    """{layer: layers in its "uses" column} of docs/architecture.md's layer table."""
    table = {}
    for line in open(os.path.join(root, "docs", "architecture.md")):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 3 and cells[0] not in ("layer", "---"):
            table[cells[0]] = {w.strip("` ") for w in cells[2].split(",")}
    return table


def closure(arrows, layer):
    seen, todo = set(), [layer]
    while todo:
        for dep in arrows.get(todo.pop(), ()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def layer_of(root, path):
    """The layer a file (absolute path) belongs to, or None."""
    rel = os.path.relpath(path, root).split(os.sep)
    if rel[0] == "src" and len(rel) > 2:
        return rel[1]
    if rel[:2] == ["include", "meshrt"] and len(rel) > 3:
        return rel[2]
    if rel[:2] == ["python", "src"]:
        return "python"
    if rel[0] == "launcher":
        return "launcher"
    return None


def files(root):
    for top in ("src", "include", os.path.join("python", "src"), "launcher"):
        for d, _, names in os.walk(os.path.join(root, top)):
            for n in names:
                if n.endswith((".cpp", ".hpp", ".h", ".inc")):
                    yield os.path.join(d, n)


def resolve(root, source, name):
    """(layer of the included header, whether it is public) or None for a system header."""
    if name.startswith("meshrt/schemas/"):
        return "schemas", True
    if name.startswith("meshrt/"):
        parts = name.split("/")
        return (parts[1], True) if len(parts) > 2 else None
    candidates = [os.path.join(os.path.dirname(source), name), os.path.join(root, "src", name),
                  os.path.join(root, name)]
    for p in map(os.path.normpath, candidates):
        if os.path.exists(p):
            layer = layer_of(root, p)
            return layer, layer == "launcher"
    return None


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(__file__), ".."))
    arrows = read_arrows(root)
    bad, checked = [], 0
    for path in sorted(files(root)):
        layer = layer_of(root, path)
        if layer is None or layer not in arrows:
            continue
        allowed = closure(arrows, layer)
        with open(path, errors="replace") as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = resolve(root, path, m.group(1))
                if target is None or target[0] is None:
                    continue
                checked += 1
                other, public = target
                if other == layer:
                    continue
                rel = os.path.relpath(path, root)
                if other not in arrows:
                    bad.append(f"{rel}:{number}: {layer} includes {m.group(1)} of unknown layer {other}")
                elif not public:
                    bad.append(f"{rel}:{number}: {layer} includes {m.group(1)}, a private header "
                               f"of layer {other}")
                elif other not in allowed:
                    bad.append(f"{rel}:{number}: {layer} includes {m.group(1)} of layer {other}, "
                               f"which {layer} does not use")
    docs = os.path.join(root, "docs", "architecture.md")
    if os.path.exists(docs):
        table = docs_table(root)
        for layer, deps in sorted(arrows.items()):
            if layer == "schemas":
                continue
            written = {d for d in table.get(layer, set()) if d in arrows}
            if layer not in table:
                bad.append(f"docs/architecture.md: the layer table has no row for {layer}")
            elif written != deps:
                bad.append(f"docs/architecture.md: {layer} uses {', '.join(sorted(written)) or '-'}"
                           f" in the layer table, the build links {', '.join(sorted(deps)) or '-'}")
    for b in bad:
        print(b)
    print(f"layering: {checked} includes checked, {len(bad)} cross a layer the wrong way")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
