"""Converters from the Natural Scenes Dataset and MindEye2's preprocessed files to dataset
bundles (npm run convert)."""
