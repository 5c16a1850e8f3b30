"""One-op programs cut out of the corpus: for an op, the smallest generic-form use of it in the
corpus's TTIR files becomes a program whose arguments are the op's operands (destination
operands made by ttir.empty stay ttir.empty) and whose results are the op's results, with its
attributes and types exactly as the corpus writes them."""
import os
import re

OP_LINE = re.compile(
    r'^\s*(?:(?P<res>%[\w.$-]+(?::\d+)?(?:\s*,\s*%[\w.$-]+)*)\s*=\s*)?"ttir\.(?P<op>\w+)"'
    r'\((?P<operands>[^)]*)\)'
    r'(?P<attrs>.*?)\s*:\s*\((?P<in_types>.*?)\)\s*->\s*(?P<out_types>.+?)'
    r'(?:\s+loc\(.*\))?\s*$')
MESH = re.compile(r'ttcore\.meshes<\[<"mesh" = (\d+)x(\d+)>|mesh-shape=(\d+),(\d+)')
EMPTY = re.compile(r'^\s*(%[\w.$-]+)\s*=\s*(?:ttir\.empty\(\)|"ttir\.empty"\(\)\s*:\s*\(\))')


def split_top(text):
    """Splits a type list on the commas outside <...> and (...)."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def volume(types):
    total = 0
    for t in types:
        m = re.match(r"tensor<([0-9x]*?)x?[a-z!]", t)
        dims = [int(d) for d in m.group(1).split("x") if d] if m else []
        v = 1
        for d in dims:
            v *= d
        total += v
    return total


def uses(corpus_dir):
    """(op, program text, element count, mesh) for every generic-form op use in the corpus
    (mesh: the (rows, cols) of the file's mesh, as its module or its RUN line says)."""
    for root, _, files in sorted(os.walk(corpus_dir)):
        for name in sorted(files):
            if not name.endswith(".mlir"):
                continue
            with open(os.path.join(root, name)) as f:
                text = f.read()
            m = MESH.search(text)
            mesh = (1, 1) if not m else tuple(int(g) for g in m.groups() if g is not None)
            for func in text.split("func.func")[1:]:
                empties = set()
                for line in statements(func):
                    m = EMPTY.match(line)
                    if m:
                        empties.add(m.group(1))
                        continue
                    m = OP_LINE.match(line)
                    if not m or m.group("op") == "empty":
                        continue
                    program = one_op_program(m, empties)
                    if program:
                        yield (m.group("op"), program, volume(split_top(m.group("in_types"))),
                               mesh)


def statements(func):
    """The lines of a function, an op written over several lines joined into one."""
    lines = func.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        j = i + 1
        while '"ttir.' in line and not OP_LINE.match(line) and j < len(lines) and j < i + 16:
            line += " " + lines[j].strip()
            j += 1
        if OP_LINE.match(line):
            i = j
        else:
            line, i = lines[i], i + 1
        yield line


def one_op_program(m, empties):
    in_types = split_top(m.group("in_types"))
    out = m.group("out_types").strip()
    out_types = split_top(out[1:-1]) if out.startswith("(") else [out]
    operands = [o.strip() for o in m.group("operands").split(",") if o.strip()]
    if len(operands) != len(in_types) or (m.group("res") is None) != (out_types == []):
        return None
    if any("#" in t for t in in_types + out_types):  # an alias defined elsewhere in the file
        return None
    args, body, names = [], [], {}
    for operand, t in zip(operands, in_types):
        if operand in names:
            continue
        new = f"%a{len(names)}"
        names[operand] = new
        if operand in empties:
            body.append(f"  {new} = ttir.empty() : {t}\n")
        else:
            args.append(f"{new}: {t}")
    new_operands = ", ".join(names[o] for o in operands)
    if not out_types:  # an in-place op (a cache update): the program returns what it wrote
        body.append(f"  \"ttir.{m.group('op')}\"({new_operands}){m.group('attrs')} : "
                    f"({', '.join(in_types)}) -> () loc(\"{m.group('op')}\")\n")
        body.append(f"  return {names[operands[0]]} : {in_types[0]}\n")
        return (f"func.func @main({', '.join(args)}) -> {in_types[0]} {{\n" + "".join(body) +
                "}\n")
    n = len(out_types)
    res = "%r" if n == 1 else f"%r:{n}"
    result_sig = out_types[0] if n == 1 else "(" + ", ".join(out_types) + ")"
    body.append(f"  {res} = \"ttir.{m.group('op')}\"({new_operands}){m.group('attrs')} : "
                f"({', '.join(in_types)}) -> {result_sig} loc(\"{m.group('op')}\")\n")
    returned = "%r" if n == 1 else ", ".join(f"%r#{i}" for i in range(n))
    body.append(f"  return {returned} : {', '.join(out_types)}\n")
    return (f"func.func @main({', '.join(args)}) -> {result_sig} {{\n" + "".join(body) + "}\n")


def smallest_uses(corpus_dir, ops):
    """For each op of `ops`, (program, mesh) of its smallest use with at least 64 elements of
    operands (else its smallest), or no entry when the corpus never writes it generically."""
    best = {}
    for op, program, size, mesh in uses(corpus_dir):
        if op not in ops:
            continue
        key = (size < 64, size)
        if op not in best or key < best[op][0]:
            best[op] = (key, program, mesh)
    return {op: (program, mesh) for op, (key, program, mesh) in best.items()}
