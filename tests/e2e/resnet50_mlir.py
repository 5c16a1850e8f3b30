#!/usr/bin/env python3
"""Prints a ResNet-50 forward pass as TTIR: the 53 convolutions of ResNet-50 v1.5 (a 7x7 stem,
bottleneck stages of 3, 4, 6 and 3 blocks, 1x1 projection shortcuts), each followed by an
rms_norm over its channels (standing in for batch norm, which random weights cannot fold), relu, residual adds, a 3x3 max pool, global average pooling and the 2048 ->
1000 classifier. Weights are program arguments (25.5 M bf16 values), as a model's parameters
are when ttrt runs it. Usage: resnet50_mlir.py [IMAGE_SIZE] (default 32: a small image keeps
the compute light, the weights are the full model's)."""
import sys


def t(shape, dt="bf16"):
    return "tensor<" + "x".join(map(str, shape)) + f"x{dt}>"


class Net:
    def __init__(self):
        self.args, self.lines, self.n = [], [], 0

    def value(self):
        self.n += 1
        return f"%v{self.n}"

    def arg(self, shape):
        name = f"%w{len(self.args)}"
        self.args.append(f"{name}: {t(shape)}")
        return name

    def op(self, text, loc):
        out = self.value()
        self.lines.append(f"  {out} = {text} loc(\"{loc}\")")
        return out

    def conv(self, x, shape, out_ch, k, stride, pad, name):
        n, h, w, c = shape
        weight = self.arg([out_ch, c, k, k])
        bias = self.arg([1, 1, 1, out_ch])
        oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
        out = [n, oh, ow, out_ch]
        v = self.op(f"\"ttir.conv2d\"({x}, {weight}, {bias}) <{{dilation = array<i32: 1, 1>, "
                    f"groups = 1 : i32, padding = array<i32: {pad}, {pad}, {pad}, {pad}>, "
                    f"stride = array<i32: {stride}, {stride}>}}> : ({t(shape)}, "
                    f"{t([out_ch, c, k, k])}, {t([1, 1, 1, out_ch])}) -> {t(out)}", name)
        # Batch norm folded into the convolution's weights keeps activations of unit scale; with
        # random weights an rms_norm over the channels does that here.
        v = self.op(f"\"ttir.rms_norm\"({v}) <{{epsilon = 1.0e-05 : f32, normalized_shape = "
                    f"array<i64: {out_ch}>, operandSegmentSizes = array<i32: 1, 0, 0>}}> : "
                    f"({t(out)}) -> {t(out)}", name + ".norm")
        return v, out

    def relu(self, x, shape, name):
        return self.op(f"\"ttir.relu\"({x}) : ({t(shape)}) -> {t(shape)}", name)

    def add(self, a, b, shape, name):
        return self.op(f"\"ttir.add\"({a}, {b}) : ({t(shape)}, {t(shape)}) -> {t(shape)}", name)


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    net = Net()
    image = [1, size, size, 3]
    x, shape = net.conv("%image", image, 64, 7, 2, 3, "conv1")
    x = net.relu(x, shape, "relu1")
    n, h, w, c = shape
    pooled = [n, (h + 2 - 3) // 2 + 1, (w + 2 - 3) // 2 + 1, c]
    x = net.op(f"\"ttir.max_pool2d\"({x}) <{{kernel = array<i32: 3, 3>, stride = array<i32: 2, 2>, "
               f"dilation = array<i32: 1, 1>, padding = array<i32: 1, 1, 1, 1>, ceil_mode = false}}> : "
               f"({t(shape)}) -> {t(pooled)}", "maxpool")
    shape = pooled
    for stage, (blocks, width) in enumerate([(3, 64), (4, 128), (6, 256), (3, 512)], start=1):
        for b in range(blocks):
            stride = 2 if b == 0 and stage > 1 else 1
            tag = f"layer{stage}.{b}"
            y, s1 = net.conv(x, shape, width, 1, 1, 0, tag + ".conv1")
            y = net.relu(y, s1, tag + ".relu1")
            y, s2 = net.conv(y, s1, width, 3, stride, 1, tag + ".conv2")
            y = net.relu(y, s2, tag + ".relu2")
            y, s3 = net.conv(y, s2, width * 4, 1, 1, 0, tag + ".conv3")
            if b == 0:
                skip, _ = net.conv(x, shape, width * 4, 1, stride, 0, tag + ".downsample")
            else:
                skip = x
            y = net.add(y, skip, s3, tag + ".add")
            x, shape = net.relu(y, s3, tag + ".relu3"), s3
    gap = [1, 1, 1, shape[3]]
    x = net.op(f"\"ttir.global_avg_pool2d\"({x}) : ({t(shape)}) -> {t(gap)}", "avgpool")
    x = net.op(f"\"ttir.reshape\"({x}) <{{shape = [1 : i32, {shape[3]} : i32]}}> : ({t(gap)}) -> "
               f"{t([1, shape[3]])}", "flatten")
    fc_w, fc_b = net.arg([1000, shape[3]]), net.arg([1000])
    x = net.op(f"\"ttir.linear\"({x}, {fc_w}, {fc_b}) <{{transpose_b = true}}> : "
               f"({t([1, shape[3]])}, {t([1000, shape[3]])}, {t([1000])}) -> {t([1, 1000])}", "fc")
    args = ", ".join([f"%image: {t(image)}"] + net.args)
    print(f"func.func @main({args}) -> {t([1, 1000])} {{")
    print("\n".join(net.lines))
    print(f"  return {x} : {t([1, 1000])}\n}}")


if __name__ == "__main__":
    main()
