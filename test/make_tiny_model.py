"""Writes two tiny model bundles for the TypeScript tests (run by test/tinyModel.ts):

  <out>/tiny-image/   decoder.onnx, vae-decoder.onnx, image-encoder.onnx (+ parity/), and the same
                      decoder split in two: decoder-condition.onnx (tokens -> projected, once per run)
                      and decoder-step.onnx (z_t, t, projected -> v)
  <out>/tiny-brain/   model.json, adapter-subj01.onnx, adapter-subj02.onnx, backbone.onnx, prior.onnx
                      (+ parity/, with sampler.json); model.json reaches the image files via ../tiny-image/

The networks are small linear maps with the contract's input and output names, shapes and a dynamic
batch, fitted to test/tinyBundle.ts's dataset (subj01: 30 voxels, fortran; subj02: 40, c).
The parity fixtures are what numpy computes for the same maps and the same DDIM, so the TypeScript
parity test can be exercised without the trained bundles. Needs only numpy and onnx (Debian).

usage: python3 make_tiny_model.py <out folder>
"""
import base64
import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

DIMS = {"H": 4, "T": 2, "D": 3, "E": 5, "C": 2, "h": 2, "w": 2, "S": 16}
SUBJECTS = {"subj01": (30, "fortran"), "subj02": (40, "c")}
H, T, D, E, C, h, w, S = (DIMS[k] for k in "H T D E C h w S".split())
rng = np.random.default_rng(0)


def weight(rows, cols, scale=1.0):
    return (rng.standard_normal((rows, cols)) * scale / math.sqrt(rows)).astype(np.float32)


W = {
    **{s: weight(v, H) for s, (v, _) in SUBJECTS.items()},
    "tokens": weight(H, T * D), "retrieval": weight(H, E), "blurry": weight(H, C * h * w),
    "decoder": weight(T * D, C * h * w), "vae": weight(C * h * w, 3 * S * S, 2.0),
    "enc_tokens": weight(3 * S * S, T * D, 4.0), "enc_embedding": weight(3 * S * S, E, 4.0),
}
PRIOR_ABAR = [0.99 - 0.9 * i / 9 for i in range(10)]
DECODER_ABAR = [0.995 - 0.98 * i / 19 for i in range(20)]
LATENT_SCALE = 0.5


# numpy twins of the graphs below
def adapter(s, voxels): return voxels @ W[s]
def backbone(shared): return ((shared @ W["tokens"]).reshape(-1, T, D), shared @ W["retrieval"],
                              (shared @ W["blurry"]).reshape(-1, C, h, w))
def prior(x_t, t, cond): return 0.5 * cond + 0.1 * x_t + 0.001 * t[:, None, None]
def decoder_condition(tokens): return (tokens.reshape(-1, T * D) @ W["decoder"]).reshape(-1, C, h, w)
def decoder_step(z_t, t, projected): return 0.5 * z_t + projected + 0.001 * t[:, None, None, None]
def decoder(z_t, t, tokens): return decoder_step(z_t, t, decoder_condition(tokens))
def vae(z): return 1 / (1 + np.exp(-(z.reshape(-1, C * h * w) @ W["vae"]).reshape(-1, 3, S, S)))
def encoder(image):
    flat = image.reshape(-1, 3 * S * S)
    return (flat @ W["enc_tokens"]).reshape(-1, T, D), flat @ W["enc_embedding"]


def value(name, *shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["B", *shape])


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def save(path, nodes, inputs, outputs, initializers):
    graph = helper.make_graph(nodes, os.path.basename(path), inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def node(op, inputs, outputs, **attrs):
    return helper.make_node(op, inputs, outputs, **attrs)


def write_onnx(image_dir, brain_dir):
    for s, (v, _) in SUBJECTS.items():
        save(f"{brain_dir}/adapter-{s}.onnx", [node("MatMul", ["voxels", "W"], ["shared"])],
             [value("voxels", v)], [value("shared", H)], [const("W", W[s])])
    save(f"{brain_dir}/backbone.onnx", [
        node("MatMul", ["shared", "Wt"], ["flat_tokens"]), node("Reshape", ["flat_tokens", "tshape"], ["clip_tokens"]),
        node("MatMul", ["shared", "We"], ["retrieval"]),
        node("MatMul", ["shared", "Wb"], ["flat_blurry"]), node("Reshape", ["flat_blurry", "lshape"], ["blurry_latent"]),
    ], [value("shared", H)], [value("clip_tokens", T, D), value("retrieval", E), value("blurry_latent", C, h, w)],
        [const("Wt", W["tokens"]), const("We", W["retrieval"]), const("Wb", W["blurry"]),
         const("tshape", np.array([-1, T, D], np.int64)), const("lshape", np.array([-1, C, h, w], np.int64))])
    save(f"{brain_dir}/prior.onnx", [
        node("Mul", ["cond", "half"], ["a"]), node("Mul", ["x_t", "tenth"], ["b"]), node("Add", ["a", "b"], ["ab"]),
        node("Unsqueeze", ["t", "axes"], ["t3"]), node("Mul", ["t3", "milli"], ["tt"]), node("Add", ["ab", "tt"], ["x0"]),
    ], [value("x_t", T, D), helper.make_tensor_value_info("t", TensorProto.FLOAT, ["B"]), value("cond", T, D)],
        [value("x0", T, D)],
        [const("half", np.float32(0.5)), const("tenth", np.float32(0.1)), const("milli", np.float32(0.001)),
         const("axes", np.array([1, 2], np.int64))])
    save(f"{image_dir}/decoder.onnx", [
        node("Mul", ["z_t", "half"], ["a"]), node("Reshape", ["tokens", "fshape"], ["flat"]),
        node("MatMul", ["flat", "Wd"], ["m"]), node("Reshape", ["m", "lshape"], ["b"]), node("Add", ["a", "b"], ["ab"]),
        node("Unsqueeze", ["t", "axes"], ["t4"]), node("Mul", ["t4", "milli"], ["tt"]), node("Add", ["ab", "tt"], ["v"]),
    ], [value("z_t", C, h, w), helper.make_tensor_value_info("t", TensorProto.FLOAT, ["B"]), value("tokens", T, D)],
        [value("v", C, h, w)],
        [const("half", np.float32(0.5)), const("milli", np.float32(0.001)), const("Wd", W["decoder"]),
         const("fshape", np.array([-1, T * D], np.int64)), const("lshape", np.array([-1, C, h, w], np.int64)),
         const("axes", np.array([1, 2, 3], np.int64))])
    save(f"{image_dir}/decoder-condition.onnx", [
        node("Reshape", ["tokens", "fshape"], ["flat"]), node("MatMul", ["flat", "Wd"], ["m"]),
        node("Reshape", ["m", "lshape"], ["projected"]),
    ], [value("tokens", T, D)], [value("projected", C, h, w)],
        [const("Wd", W["decoder"]), const("fshape", np.array([-1, T * D], np.int64)),
         const("lshape", np.array([-1, C, h, w], np.int64))])
    save(f"{image_dir}/decoder-step.onnx", [
        node("Mul", ["z_t", "half"], ["a"]), node("Add", ["a", "projected"], ["ab"]),
        node("Unsqueeze", ["t", "axes"], ["t4"]), node("Mul", ["t4", "milli"], ["tt"]), node("Add", ["ab", "tt"], ["v"]),
    ], [value("z_t", C, h, w), helper.make_tensor_value_info("t", TensorProto.FLOAT, ["B"]), value("projected", C, h, w)],
        [value("v", C, h, w)],
        [const("half", np.float32(0.5)), const("milli", np.float32(0.001)), const("axes", np.array([1, 2, 3], np.int64))])
    save(f"{image_dir}/vae-decoder.onnx", [
        node("Reshape", ["z", "fshape"], ["flat"]), node("MatMul", ["flat", "Wv"], ["m"]),
        node("Reshape", ["m", "ishape"], ["logits"]), node("Sigmoid", ["logits"], ["image"]),
    ], [value("z", C, h, w)], [value("image", 3, S, S)],
        [const("Wv", W["vae"]), const("fshape", np.array([-1, C * h * w], np.int64)),
         const("ishape", np.array([-1, 3, S, S], np.int64))])
    save(f"{image_dir}/image-encoder.onnx", [
        node("Reshape", ["image", "fshape"], ["flat"]), node("MatMul", ["flat", "Wt"], ["m"]),
        node("Reshape", ["m", "tshape"], ["tokens"]), node("MatMul", ["flat", "We"], ["embedding"]),
    ], [value("image", 3, S, S)], [value("tokens", T, D), value("embedding", E)],
        [const("Wt", W["enc_tokens"]), const("We", W["enc_embedding"]),
         const("fshape", np.array([-1, 3 * S * S], np.int64)), const("tshape", np.array([-1, T, D], np.int64))])


def ddim(denoise, noise, abar, steps, parameterization):
    n = len(abar)
    ts = [round((n - 1) * (1 - i / (steps - 1))) for i in range(steps)]
    x = noise
    for i, t in enumerate(ts):
        a = abar[t]
        out = denoise(x, np.full((x.shape[0],), t, np.float32))
        if parameterization == "x0":
            x0, eps = out, (x - math.sqrt(a) * out) / math.sqrt(1 - a)
        else:  # v
            x0, eps = math.sqrt(a) * x - math.sqrt(1 - a) * out, math.sqrt(1 - a) * x + math.sqrt(a) * out
        if i + 1 < len(ts):
            an = abar[ts[i + 1]]
            x = (math.sqrt(an) * x0 + math.sqrt(1 - an) * eps).astype(np.float32)
    return x0.astype(np.float32)


def encode(array):
    array = np.asarray(array, np.float32)
    return {"shape": list(array.shape), "data": base64.b64encode(array.astype("<f4").tobytes()).decode()}


def write_parity(image_dir, brain_dir):
    def fixture(folder, file, inputs, outputs):
        os.makedirs(f"{folder}/parity", exist_ok=True)
        with open(f"{folder}/parity/{file}.json", "w") as f:
            json.dump({"inputs": {k: encode(v) for k, v in inputs.items()},
                       "outputs": {k: encode(v) for k, v in outputs.items()}, "atol": 1e-5, "rtol": 1e-4}, f)

    r = lambda *shape: rng.standard_normal((2, *shape)).astype(np.float32)
    for s, (v, _) in SUBJECTS.items():
        x = r(v)
        fixture(brain_dir, f"adapter-{s}.onnx", {"voxels": x}, {"shared": adapter(s, x)})
    shared = r(H)
    fixture(brain_dir, "backbone.onnx", {"shared": shared}, dict(zip(["clip_tokens", "retrieval", "blurry_latent"], backbone(shared))))
    x_t, t, cond = r(T, D), np.array([3, 7], np.float32), r(T, D)
    fixture(brain_dir, "prior.onnx", {"x_t": x_t, "t": t, "cond": cond}, {"x0": prior(x_t, t, cond)})
    z_t, tokens = r(C, h, w), r(T, D)
    fixture(image_dir, "decoder.onnx", {"z_t": z_t, "t": t, "tokens": tokens}, {"v": decoder(z_t, t, tokens)})
    fixture(image_dir, "decoder-condition.onnx", {"tokens": tokens}, {"projected": decoder_condition(tokens)})
    projected = decoder_condition(tokens)
    fixture(image_dir, "decoder-step.onnx", {"z_t": z_t, "t": t, "projected": projected},
            {"v": decoder_step(z_t, t, projected)})
    z = r(C, h, w)
    fixture(image_dir, "vae-decoder.onnx", {"z": z}, {"image": vae(z)})
    image = rng.random((2, 3, S, S)).astype(np.float32)
    fixture(image_dir, "image-encoder.onnx", {"image": image}, dict(zip(["tokens", "embedding"], encoder(image))))

    prior_noise, prior_cond = r(T, D), r(T, D)
    prior_result = ddim(lambda x, t: prior(x, t, prior_cond), prior_noise, PRIOR_ABAR, 4, "x0")
    dec_noise, dec_tokens, scale = r(C, h, w), r(T, D), 2.0

    def guided(x, t):
        c, u = decoder(x, t, dec_tokens), decoder(x, t, np.zeros_like(dec_tokens))
        return u + scale * (c - u)
    latent = ddim(guided, dec_noise, DECODER_ABAR, 5, "v")  # the sampler's x̂0, in the scaled latent space
    with open(f"{brain_dir}/parity/sampler.json", "w") as f:
        json.dump({"prior": {"noise": encode(prior_noise), "cond": encode(prior_cond), "steps": 4, "result": encode(prior_result)},
                   "decoder": {"noise": encode(dec_noise), "tokens": encode(dec_tokens), "steps": 5, "cfgScale": scale,
                               "latent": encode(latent), "image": encode(vae(latent / LATENT_SCALE))},
                   "atol": 1e-4, "rtol": 1e-4}, f)


def model_json():
    return {
        "format": "mindeye-web/models@1", "id": "tiny-brain", "name": "Tiny test model",
        "description": "Linear maps with the contract's shapes, written by the tests.", "family": "tiny",
        "dims": DIMS,
        "subjects": {s: {"voxelCount": v, "voxelOrder": order, "adapter": f"adapter-{s}.onnx"}
                     for s, (v, order) in SUBJECTS.items()},
        "files": {"backbone": "backbone.onnx", "prior": "prior.onnx", "decoder": "../tiny-image/decoder.onnx",
                  "vaeDecoder": "../tiny-image/vae-decoder.onnx", "imageEncoder": "../tiny-image/image-encoder.onnx"},
        "quantization": {"backbone.onnx": {"weights": "fp32"}},
        "prior": {"parameterization": "x0", "trainSteps": 10, "steps": 4, "alphasCumprod": PRIOR_ABAR},
        "decoder": {"parameterization": "v", "trainSteps": 20, "steps": 5, "maxSteps": 10, "alphasCumprod": DECODER_ABAR,
                    "cfgScale": 2.0, "maxCfgScale": 5.0, "unconditional": "zeros"},
        "latent": {"scale": LATENT_SCALE},
        "retrieval": {"similarity": "cosine"},
        "provenance": {"profile": "test", "hardware": "none", "wallSeconds": 0, "trainingData": "none",
                       "sessionsPerSubject": {"subj01": 0, "subj02": 0}, "codeVersion": "test", "seed": 0},
        "scores": {"subj01": {"extraRows": [{"name": "baseline (test)", "pixCorr": 0.125, "ssim": 0.25, "twoWay": 0.5}]}},
    }


def main(out):
    image_dir, brain_dir = f"{out}/tiny-image", f"{out}/tiny-brain"
    os.makedirs(image_dir, exist_ok=True)
    os.makedirs(brain_dir, exist_ok=True)
    write_onnx(image_dir, brain_dir)
    write_parity(image_dir, brain_dir)
    with open(f"{brain_dir}/model.json", "w") as f:
        json.dump(model_json(), f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
