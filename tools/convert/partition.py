# SPDX-License-Identifier: LGPL-2.1-or-later
"""Plan how a TFLite graph is executed: ONNX segments and custom-op stages.

Builtin operators go into ONNX segments; MediaPipe custom operators (which
ONNX cannot express) become "custom" stages executed by the caller between
segments.  The plan alternates  segment 0, custom phase 0, segment 1,
custom phase 1, ...  and places every operator as early as its inputs allow,
which minimises the number of segments: a builtin op that reads a custom
op's output lands in the segment after that custom phase; a custom op that
reads another custom op's output stays in the same phase (ordered after it).

Constant DEQUANTIZE operators (fp16 or int8 weights) are folded into fp32
constants before planning.  A RESHAPE whose only input is the sole use of a
custom op's output is absorbed into that custom stage (a reshape of a
row-major buffer moves no data), so trailing reshapes do not cost a segment.

split_branches() then cuts each ONNX segment into its independent branches
(the three refinement heads of the face landmark model), so that the runtime
can run them at the same time.
"""

import numpy as np

# custom op name -> supported versions
CUSTOM_OPS = {
    "Landmarks2TransformMatrix": (2,),
    "TransformTensorBilinear": (2,),
    "TransformLandmarks": (2,),
}


class PlanError(Exception):
    pass


def fold_constants(model):
    """Return (consts, ops): constant tensors as numpy arrays (DEQUANTIZE of
    a constant folded to float32) and the operators left to execute."""
    consts = {t.index: t.data for t in model.tensors if t.data is not None}
    ops = []
    for op in model.operators:
        if op.opname == "DEQUANTIZE" and op.inputs[0] in consts:
            src = model.tensors[op.inputs[0]]
            v = consts[op.inputs[0]]
            if v.dtype.kind == "f":
                out = v.astype(np.float32)
            else:
                q = src.quant
                if q is None:
                    raise PlanError("%s: operator %d (DEQUANTIZE): integer "
                                    "tensor %r has no quantization "
                                    "parameters" % (model.path, op.index,
                                                    src.name))
                scale = q["scale"].astype(np.float32)
                zp = q["zero_point"].astype(np.float32)
                if scale.size > 1:
                    shp = [1] * v.ndim
                    shp[q["axis"]] = scale.size
                    scale, zp = scale.reshape(shp), zp.reshape(shp)
                out = (v.astype(np.float32) - zp) * scale
            consts[op.outputs[0]] = np.ascontiguousarray(
                out.astype(np.float32))
            continue
        ops.append(op)
    return consts, ops


def _is_custom(op):
    return op.opname == "CUSTOM"


def check_ops(model, ops):
    for op in ops:
        if _is_custom(op):
            versions = CUSTOM_OPS.get(op.custom_code)
            if versions is None:
                raise PlanError("%s: operator %d: custom op %r is not "
                                "supported (known: %s)"
                                % (model.path, op.index, op.custom_code,
                                   ", ".join(sorted(CUSTOM_OPS))))
            if op.version not in versions:
                raise PlanError("%s: operator %d: custom op %r version %d "
                                "is not supported (supported: %s)"
                                % (model.path, op.index, op.custom_code,
                                   op.version, versions))
            if len(op.outputs) != 1:
                raise PlanError("%s: operator %d: custom op %r with %d "
                                "outputs" % (model.path, op.index,
                                             op.custom_code, len(op.outputs)))


class Stage:
    def __init__(self, kind, index):
        self.kind = kind          # "onnx" or "custom"
        self.index = index        # segment number / custom phase number
        self.ops = []             # for onnx: builtin ops; custom: one op
        self.inputs = []          # tensor indices
        self.outputs = []         # tensor indices
        self.absorbed = []        # reshape ops folded into a custom stage


def plan(model, ops, consts):
    """Return an ordered list of Stage objects."""
    check_ops(model, ops)
    consumers = {}
    for op in ops:
        for t in op.inputs:
            if t >= 0:
                consumers.setdefault(t, []).append(op)
    graph_outputs = set(model.outputs)
    producer = {}
    for op in ops:
        for t in op.outputs:
            producer[t] = op

    # reshape absorption: custom op -> list of reshape ops; the reshape's
    # output replaces the custom op's output
    absorbed = {}
    absorbed_ids = set()
    for op in ops:
        if op.opname != "RESHAPE":
            continue
        src = op.inputs[0]
        p = producer.get(src)
        if p is None or not _is_custom(p):
            continue
        if len(consumers.get(src, [])) != 1 or src in graph_outputs:
            continue
        absorbed[p.index] = op
        absorbed_ids.add(op.index)

    def outputs_of(op):
        if op.index in absorbed:
            return absorbed[op.index].outputs
        return op.outputs

    # avail[t] = ("seg", k) | ("cus", k)
    avail = {}
    placed = []   # (kind, level, op)
    for op in ops:
        if op.index in absorbed_ids:
            continue
        custom = _is_custom(op)
        level = 0
        for t in op.inputs:
            if t < 0 or t in consts:
                continue
            if t in model.inputs:
                continue
            if t not in avail:
                raise PlanError("%s: operator %d (%s) reads tensor %r before "
                                "it is produced" % (model.path, op.index,
                                                    op.kind,
                                                    model.tensors[t].name))
            kind, k = avail[t]
            if custom:
                level = max(level, k)
            else:
                level = max(level, k + 1 if kind == "cus" else k)
        for t in outputs_of(op):
            avail[t] = ("cus" if custom else "seg", level)
        placed.append(("custom" if custom else "onnx", level, op))

    n_levels = 1 + max([lvl for _, lvl, _ in placed] or [0])
    stages = []
    for lvl in range(n_levels):
        seg = Stage("onnx", lvl)
        seg.ops = [op for kind, l, op in placed
                   if kind == "onnx" and l == lvl]
        if seg.ops:
            stages.append(seg)
        for kind, l, op in placed:
            if kind == "custom" and l == lvl:
                st = Stage("custom", lvl)
                st.ops = [op]
                st.inputs = [t for t in op.inputs if t >= 0]
                st.outputs = list(outputs_of(op))
                if op.index in absorbed:
                    st.absorbed = [absorbed[op.index]]
                stages.append(st)

    # boundary tensors of each ONNX segment
    later_uses = {}
    for i, st in enumerate(stages):
        for t in (st.inputs if st.kind == "custom" else
                  [t for op in st.ops for t in op.inputs]):
            if t >= 0 and t not in consts:
                later_uses.setdefault(t, set()).add(i)
    for i, st in enumerate(stages):
        if st.kind != "onnx":
            continue
        produced = []
        for op in st.ops:
            produced.extend(op.outputs)
        prod_set = set(produced)
        ins = []
        for op in st.ops:
            for t in op.inputs:
                if t < 0 or t in consts or t in prod_set or t in ins:
                    continue
                ins.append(t)
        st.inputs = ins
        st.outputs = [t for t in produced
                      if t in graph_outputs or
                      any(j > i for j in later_uses.get(t, ()))]
        if not st.outputs:
            raise PlanError("%s: ONNX segment %d produces nothing that is "
                            "used" % (model.path, st.index))
    return stages


def split_branches(stages):
    """Return stages with every ONNX segment cut into its independent
    branches, in their original order.  Two ops of a segment belong to the
    same branch when one reads what the other produced, or when later stages
    read outputs of both (a result and the operand it is combined with);
    boundary inputs, which several branches may read, do not join them."""
    result = []
    for i, st in enumerate(stages):
        if st.kind != "onnx" or len(st.ops) < 2:
            result.append(st)
            continue
        parent = list(range(len(st.ops)))

        def find(k):
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        def join(group):
            roots = [find(k) for k in group]
            for r in roots[1:]:
                parent[r] = roots[0]

        producer = {t: k for k, op in enumerate(st.ops) for t in op.outputs}
        for k, op in enumerate(st.ops):
            join([k] + [producer[t] for t in op.inputs if t in producer])
        for later in stages[i + 1:]:
            reads = later.inputs if later.kind == "custom" else \
                [t for op in later.ops for t in op.inputs]
            join([producer[t] for t in reads if t in producer])
        branches = {}
        for k, op in enumerate(st.ops):
            branches.setdefault(find(k), []).append(op)
        if len(branches) == 1:
            result.append(st)
            continue
        for ops in branches.values():
            produced = {t for op in ops for t in op.outputs}
            branch = Stage("onnx", st.index)
            branch.ops = ops
            branch.inputs = [t for t in st.inputs
                             if any(t in op.inputs for op in ops)]
            branch.outputs = [t for t in st.outputs if t in produced]
            if not branch.outputs:
                raise PlanError("ONNX segment %d: a branch of %d ops produces "
                                "nothing that is used" % (st.index, len(ops)))
            result.append(branch)
    return result
