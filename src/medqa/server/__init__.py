"""The HTTP server: an OpenAI-compatible chat API with streaming, and the web chat page."""
