# One image for every songforge process of a fleet: API nodes run `songforge serve`, worker nodes
# `songforge worker` (see README "Running on several machines" and compose.yaml).
FROM python:3.11-slim-bookworm
WORKDIR /app
# The CPU build of torch (a GPU worker image swaps this line for a CUDA build); then the same
# no-dependency installs the Makefile does.
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
 && pip install --no-cache-dir --no-deps tinysoundfont==0.3.7 basic-pitch==0.4.0
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir .
ENV SONGFORGE_DATA_DIR=/data SONGFORGE_HOST=0.0.0.0
EXPOSE 8000
CMD ["songforge", "serve"]
