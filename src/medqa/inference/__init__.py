"""Which engine writes the text: llama.cpp in process, transformers, or a remote OpenAI-compatible server."""
