"""Deterministic synthetic NSD-style dataset: anatomy, stimuli, voxel responses, bundle writer."""
