"""The trusted corpus, its embeddings and the hybrid BM25 + MiniLM index over it."""
