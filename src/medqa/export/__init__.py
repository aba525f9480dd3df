"""Export a trained run: merged weights, a GGUF for llama.cpp, a model card."""
