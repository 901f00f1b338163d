"""The mini MindEye2 family: image side (encoder, autoencoder, diffusion decoder) and brain side
(per-subject adapters, shared backbone, heads, diffusion prior), their training and ONNX export."""
