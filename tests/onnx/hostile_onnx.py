# Writes malformed and hostile ONNX files for the import tests into argv[1].
import sys
import onnx
from onnx import helper, TensorProto

out = sys.argv[1]
X = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
Y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])


def model(nodes, inits=(), inputs=(X,), check=True):
    g = helper.make_graph(nodes, "g", list(inputs), [Y], initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m


good = model([helper.make_node("Relu", ["x"], ["y"], name="r")])
data = good.SerializeToString()
open(f"{out}/truncated.onnx", "wb").write(data[: len(data) // 2])
open(f"{out}/garbage.onnx", "wb").write(b"\x0a\xff\xff\xff\xff\x0f this is not onnx")
huge = onnx.TensorProto()  # declares 2^70 floats and carries none
huge.name, huge.data_type = "w", TensorProto.FLOAT
huge.dims.extend([1 << 40, 1 << 30])
onnx.save(model([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], [huge]),
          f"{out}/huge.onnx")
XH = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1 << 50])
YH = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 1 << 50])
gh = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="r")], "g", [XH], [YH])
mh = helper.make_model(gh, opset_imports=[helper.make_opsetid("", 17)])
mh.ir_version = 8
onnx.save(mh, f"{out}/huge_input.onnx")
onnx.save(model([helper.make_node("FancyOp", ["x"], ["y"], name="fancy1")]),
          f"{out}/unknown_op.onnx")
onnx.save(model([helper.make_node("Relu", ["z"], ["t"], name="a"),
                 helper.make_node("Relu", ["t"], ["z"], name="b"),
                 helper.make_node("Relu", ["x"], ["y"], name="c")]), f"{out}/cycle.onnx")
onnx.save(model([helper.make_node("Gemm", ["x", "W", "b"], ["y"], name="fc", transB=1)]),
          f"{out}/missing_init.onnx")
