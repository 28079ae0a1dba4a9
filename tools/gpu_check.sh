#!/usr/bin/env bash
# GPU check: set up what a GPU machine lacks (offline, from a small bundle), then time BLO-SAM at
# 256, AM-SAM with its detector at 1024 and SSPrompt at K = 150 with random vit-b weights
# (tools/gpu_check.py prints s/iteration, peak GPU memory, encoder passes and the extrapolated
# 16-shot 100-epoch time for each).
#
#   bash tools/gpu_check.sh                 # on the GPU machine (Python 3.12, torch + CUDA, nvcc)
#   bash tools/gpu_check.sh --cpu           # the reduced CPU check (tiny SAM), e.g. here
#   bash tools/gpu_check.sh --bundle-only   # on a machine with PyPI: fill work_dirs/gpu_bundle
#
# Target machine: torch (2.11 + CUDA 13) already installed, no network, at most 64 MiB brought
# along, ~15 min in all. So the bundle (work_dirs/gpu_bundle, ~15 MiB: carry it along) holds
# the OpenMMLab wheels, the small pure-Python dependencies and mmcv's sdist; the heavy binary
# dependencies (numpy, opencv, scipy, matplotlib) must already be on the machine (listed if not).
# mmcv's ops are built there: MMCV_OPS=cpu (default, the quicker build: 8-10 min on 2 cores
# here, not yet timed on 16; the detector then runs on the CPU, SAM on the GPU, docs/gpu.md) or
# MMCV_OPS=cuda (FORCE_CUDA=1 for this GPU's architecture only; longer, not yet timed).
# Results: $OUT/gpu_check.json when $OUT is set (the device runner's output folder).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUNDLE=${GPU_BUNDLE:-$ROOT/work_dirs/gpu_bundle}
MODE=gpu
for arg in "$@"; do
  case $arg in
    --cpu) MODE=cpu ;;
    --bundle-only) MODE=bundle ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "gpu_check.sh: unknown option '$arg' (known: --cpu, --bundle-only)" >&2; exit 2 ;;
  esac
done
t0=$(date +%s)
say() { printf '[gpu_check %4ds] %s\n' $(( $(date +%s) - t0 )) "$*"; }
die() { echo "gpu_check.sh: $*" >&2; exit 1; }
MMCV_VER=$(sed -n 's/^mmcv==//p' requirements/mmcv.txt)
# what the target lacks and PyPI has as small pure-Python wheels (no dependencies pulled in)
PURE="mmengine==0.10.7 mmsegmentation==1.2.2 mmdet==3.3.0 segment-anything==1.0 addict yapf
      termcolor rich markdown-it-py mdurl pygments prettytable wcwidth ftfy terminaltables
      shapely pycocotools tqdm platformdirs tomli regex pyyaml ninja setuptools<81 wheel
      packaging"
HEAVY="numpy cv2 scipy matplotlib PIL"

if [ "$MODE" = bundle ]; then
  mkdir -p "$BUNDLE/wheels"
  say "downloading the OpenMMLab wheels and mmcv $MMCV_VER's sdist for Python 3.12 into $BUNDLE"
  # shellcheck disable=SC2086  (word splitting of $PURE wanted; 'setuptools<81' has no spaces)
  python3 -m pip download -q --no-deps --only-binary :all: --python-version 3.12 \
      --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
      --platform manylinux_2_28_x86_64 --platform any -d "$BUNDLE/wheels" $PURE
  # pip reads the sdist's metadata by running its setup.py, which imports torch: use the
  # set-up venv (tools/setup_env.sh) where there is one
  DL=python3; [ -x .venv/bin/python ] && DL=.venv/bin/python
  "$DL" -m pip download -q --no-deps --no-binary :all: --no-build-isolation \
      "mmcv==$MMCV_VER" -d "$BUNDLE"
  du -sh "$BUNDLE"
  exit 0
fi

PY=python3
if [ "$MODE" = cpu ] || .venv/bin/python -c 'import mmseg, mmdet, mmcv.ops, mmsam_prompt' 2>/dev/null; then
  PY=.venv/bin/python   # a set-up machine (tools/setup_env.sh)
else
  # the GPU machine: a venv over the system's torch, everything else from the bundle
  [ -d "$BUNDLE/wheels" ] || die "no $BUNDLE/wheels: run 'bash tools/gpu_check.sh --bundle-only' where PyPI is reachable and carry work_dirs/gpu_bundle"
  VENV=$ROOT/.gpu_venv
  [ -x "$VENV/bin/python" ] || python3 -m venv --system-site-packages "$VENV"
  PY=$VENV/bin/python
  lacking=$(for m in $HEAVY; do "$PY" -c "import $m" 2>/dev/null || printf '%s ' "$m"; done)
  [ -z "$lacking" ] || die "this machine lacks $lacking(binary wheels too large for the bundle)"
  say "installing the bundle's wheels (offline)"
  "$PY" -m pip install -q --no-index --find-links "$BUNDLE/wheels" --no-deps $PURE
  if ! "$PY" -c 'import mmcv.ops' 2>/dev/null; then
    OPS=${MMCV_OPS:-cpu}
    FORCE=0; [ "$OPS" = cuda ] && FORCE=1
    ARCH=$("$PY" -c 'import torch; c = torch.cuda.get_device_capability(0); print(f"{c[0]}.{c[1]}")')
    say "building mmcv $MMCV_VER ops (FORCE_CUDA=$FORCE, TORCH_CUDA_ARCH_LIST=$ARCH, $(nproc) jobs)"
    BUILD=$(mktemp -d)
    tar -xzf "$BUNDLE/mmcv-$MMCV_VER.tar.gz" -C "$BUILD"
    sed -i -e "s/-std=c++14/-std=c++20/g" -e "s/-std=c++17/-std=c++20/g" "$BUILD/mmcv-$MMCV_VER/setup.py"
    (cd "$BUILD/mmcv-$MMCV_VER" && MMCV_WITH_OPS=1 FORCE_CUDA=$FORCE TORCH_CUDA_ARCH_LIST=$ARCH \
        MAX_JOBS=$(nproc) "$PY" -m pip install -q --no-deps --no-build-isolation --no-index .)
    say "mmcv built"
  fi
  "$PY" -m pip install -q --no-deps --no-build-isolation --no-index -e .
fi
"$PY" - <<'PY'
import torch, mmcv, mmseg, mmdet
from mmcv.ops import get_compiling_cuda_version
print(f'torch {torch.__version__} (CUDA {torch.version.cuda}, device: '
      f'{torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"}), mmcv '
      f'{mmcv.__version__} (ops compiled with CUDA: {get_compiling_cuda_version()}), mmseg '
      f'{mmseg.__version__}, mmdet {mmdet.__version__}')
PY
ARGS=()
[ "$MODE" = cpu ] && ARGS+=(--cpu)
[ -n "${OUT:-}" ] && ARGS+=(--out "$OUT/gpu_check.json")
[ -n "${GPU_CHECK_DATA:-}" ] && ARGS+=(--data-root "$GPU_CHECK_DATA")
"$PY" tools/gpu_check.py "${ARGS[@]}"
say "done"
