"""The mini MindEye2 family: image side (encoder, token renderer, diffusion decoder in a pixel
latent) and brain side (per-subject adapters, shared backbone, heads, diffusion prior), their
training and ONNX export."""
