#!/usr/bin/env bash
# One-command set-up: creates .venv, installs the pinned stack, builds mmcv 2.1.0 with
# compiled ops against the pinned torch (cached wheel, keyed by mmcv + torch + Python, and the
# CUDA version when CUDA ops are built), and installs mmsam_prompt in editable mode.
#
#   bash tools/setup_env.sh                  # creates ./.venv
#   VENV=/path/to/env bash tools/setup_env.sh
#   bash tools/setup_env.sh --detect-only    # print the build decisions, change nothing
#
# GPU: when a CUDA toolkit (nvcc on PATH, in $CUDA_HOME/bin or /usr/local/cuda/bin) AND a GPU
# (nvidia-smi -L lists one, or /dev/nvidia0 exists) are found, mmcv is built with its CUDA ops
# (FORCE_CUDA=1; wheel cached under a key ending in -cu<version>); otherwise with CPU ops only
# (FORCE_CUDA=0), as on CI, whose machines carry nvcc but no GPU. MMSAM_CUDA=1 builds the CUDA
# ops without a GPU (a wheel for another machine) and fails without nvcc; MMSAM_CUDA=0 forces
# the CPU build. TORCH_CUDA_ARCH_LIST (e.g. 9.0 for H100 / H200) limits the build to one GPU
# generation: much faster. docs/gpu.md has the details.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}
CACHE=${MMSAM_WHEEL_CACHE:-$HOME/.cache/mmsam_prompt/wheels}
DETECT_ONLY=0
for arg in "$@"; do
  case $arg in
    --detect-only) DETECT_ONLY=1 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "setup_env.sh: unknown option '$arg' (known: --detect-only, --help)" >&2; exit 2 ;;
  esac
done
t0=$(date +%s)
say() { printf '[setup %4ds] %s\n' $(( $(date +%s) - t0 )) "$*"; }
die() { echo "setup_env.sh: $*" >&2; exit 1; }

# --- CUDA toolkit detection (also run alone by --detect-only: it builds nothing) ---
find_nvcc() {
  local d
  if command -v nvcc >/dev/null 2>&1; then command -v nvcc; return 0; fi
  # MMSAM_CUDA_PROBE_DIRS: where to look besides PATH (tests set it to '' to probe PATH only)
  for d in ${CUDA_HOME:+$CUDA_HOME/bin} ${MMSAM_CUDA_PROBE_DIRS-/usr/local/cuda/bin}; do
    if [ -x "$d/nvcc" ]; then echo "$d/nvcc"; return 0; fi
  done
  return 1
}
gpu_visible() {
  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi -L 2>/dev/null | grep -q '^GPU ' && return 0
  fi
  [ -e /dev/nvidia0 ]
}
detect_cuda() {
  CUDA_MODE=${MMSAM_CUDA:-auto}
  NVCC_BIN=""; CUDA_VERSION=""; FORCE_CUDA=0; CUDA_TAG=""; CUDA_REASON=""
  case $CUDA_MODE in
    auto|1) NVCC_BIN=$(find_nvcc || true) ;;
    0) CUDA_REASON="MMSAM_CUDA=0" ;;
    *) die "MMSAM_CUDA must be auto, 0 or 1, got '$CUDA_MODE'" ;;
  esac
  if [ -n "$NVCC_BIN" ]; then
    CUDA_VERSION=$("$NVCC_BIN" --version 2>/dev/null |
                   sed -n 's/.*release \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -n1)
    [ -n "$CUDA_VERSION" ] || die "$NVCC_BIN --version does not say its release (X.Y)"
    if [ "$CUDA_MODE" = 1 ] || gpu_visible; then
      FORCE_CUDA=1
      CUDA_TAG="-cu${CUDA_VERSION//./}"
      CUDA_REASON="nvcc $CUDA_VERSION found"
      [ "$CUDA_MODE" = 1 ] && CUDA_REASON="$CUDA_REASON, MMSAM_CUDA=1" || CUDA_REASON="$CUDA_REASON and a GPU"
    else
      CUDA_REASON="nvcc $CUDA_VERSION found but no GPU (nvidia-smi -L, /dev/nvidia0); MMSAM_CUDA=1 builds CUDA ops anyway"
    fi
  elif [ "$CUDA_MODE" = 1 ]; then
    die "MMSAM_CUDA=1 but no nvcc on PATH, in \$CUDA_HOME/bin or /usr/local/cuda/bin"
  elif [ "$CUDA_MODE" = auto ]; then
    CUDA_REASON="no nvcc on PATH, in \$CUDA_HOME/bin or /usr/local/cuda/bin"
  fi
}
detect_cuda

if [ "$DETECT_ONLY" = 1 ]; then
  # torch's version and CUDA read from its files, without importing it (fast)
  if [ -x "$VENV/bin/python" ] && read -r TORCH_VER TORCH_CUDA PYTAG < <("$VENV/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata, importlib.util, os, re, sys
text = open(os.path.join(os.path.dirname(importlib.util.find_spec('torch').origin), 'version.py')).read()
cuda = re.search(r"^cuda\b[^=]*=\s*'([^']+)'", text, re.M)
print(importlib.metadata.version('torch').split('+')[0], cuda.group(1) if cuda else 'none',
      f'cp{sys.version_info[0]}{sys.version_info[1]}')
PY
); then
    :
  else  # before the venv exists: the pinned torch, this Python
    TORCH_VER=$(sed -n 's/^torch==//p' requirements/torch.txt)
    TORCH_CUDA=unknown
    PYTAG=$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
  fi
  MMCV_VER=$(sed -n 's/^mmcv==//p' requirements/mmcv.txt)
  KEY="mmcv${MMCV_VER}-torch${TORCH_VER}-${PYTAG}${CUDA_TAG}"
  echo "MMSAM_CUDA=$CUDA_MODE"
  echo "NVCC=${NVCC_BIN:-none}"
  echo "CUDA_VERSION=${CUDA_VERSION:-none}"
  echo "TORCH_VERSION=$TORCH_VER"
  echo "TORCH_CUDA=$TORCH_CUDA"
  echo "FORCE_CUDA=$FORCE_CUDA"
  echo "REASON=$CUDA_REASON"
  echo "WHEEL_KEY=$KEY"
  echo "WHEEL_DIR=$CACHE/$KEY"
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtual environment $VENV"
  "$PY" -m venv "$VENV"
fi
# This machine's pip config lists local indexes whose missing folders make pip print one
# harmless warning per package; keep real errors visible, drop only those lines.
pip_() { "$VENV/bin/python" -m pip "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
PIP=pip_
say "mmcv ops: FORCE_CUDA=$FORCE_CUDA ($CUDA_REASON)"
$PIP install -q --upgrade pip >/dev/null 2>&1 || true
say "installing torch (requirements/torch.txt)"
$PIP install -q -r requirements/torch.txt
$PIP install -q -r requirements/build.txt

MMCV_VER=$(sed -n 's/^mmcv==//p' requirements/mmcv.txt)
TORCH_VER=$($VENV/bin/python -c 'import torch; print(torch.__version__.split("+")[0])')
PYTAG=$($VENV/bin/python -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
if [ "$FORCE_CUDA" = 1 ]; then
  TORCH_CUDA=$($VENV/bin/python -c 'import torch; print(torch.version.cuda or "")')
  if [ -z "$TORCH_CUDA" ]; then
    [ "$CUDA_MODE" = 1 ] && die "nvcc $CUDA_VERSION found but torch $TORCH_VER is a CPU build"
    say "nvcc $CUDA_VERSION found, but torch $TORCH_VER is a CPU build: building mmcv's CPU ops only"
    FORCE_CUDA=0; CUDA_TAG=""
  else
    say "CUDA toolkit $CUDA_VERSION ($NVCC_BIN), torch built for CUDA $TORCH_CUDA: mmcv gets CUDA ops (FORCE_CUDA=1)"
    [ "${TORCH_CUDA%%.*}" = "${CUDA_VERSION%%.*}" ] ||
      say "warning: nvcc $CUDA_VERSION and torch's CUDA $TORCH_CUDA differ in major version; the build may fail"
  fi
fi
KEY="mmcv${MMCV_VER}-torch${TORCH_VER}-${PYTAG}${CUDA_TAG}"
mkdir -p "$CACHE/$KEY"
WHL=$(ls "$CACHE/$KEY"/mmcv-*.whl 2>/dev/null | head -n1 || true)
if $VENV/bin/python - "$MMCV_VER" "$FORCE_CUDA" <<'PY' 2>/dev/null
import sys, mmcv
from mmcv.ops import nms, RoIAlign, get_compiling_cuda_version  # noqa: F401  compiled ops present
assert mmcv.__version__ == sys.argv[1]
# a CUDA build is wanted: the installed ops must have been compiled with CUDA
assert sys.argv[2] == '0' or get_compiling_cuda_version() not in ('', 'not available')
PY
then
  say "mmcv $MMCV_VER with compiled ops already installed"
else
  if [ -z "$WHL" ]; then
    say "building mmcv $MMCV_VER with compiled ops (FORCE_CUDA=$FORCE_CUDA) for torch $TORCH_VER ($PYTAG); CPU ops: about 8-10 min on 2 cores"
    BUILD=$(mktemp -d)
    $PIP download -q --no-deps --no-build-isolation --no-binary :all: "mmcv==$MMCV_VER" -d "$BUILD"
    tar -xzf "$BUILD"/mmcv-"$MMCV_VER".tar.gz -C "$BUILD"
    SRC="$BUILD/mmcv-$MMCV_VER"
    # torch >= 2.10 headers need C++20; mmcv 2.1.0 asks for C++14/17.
    sed -i -e "s/-std=c++14/-std=c++20/g" -e "s/-std=c++17/-std=c++20/g" "$SRC/setup.py"
    (cd "$SRC" && MMCV_WITH_OPS=1 FORCE_CUDA=$FORCE_CUDA MAX_JOBS=${MAX_JOBS:-2} \
        "$VENV/bin/python" -m pip wheel -q --no-deps --no-build-isolation . -w "$CACHE/$KEY")
    rm -rf "$BUILD"
    WHL=$(ls "$CACHE/$KEY"/mmcv-*.whl | head -n1)
    say "cached $WHL"
  else
    say "using cached wheel $WHL"
  fi
  $PIP install -q --no-deps "$WHL"
fi
say "installing mmengine / mmsegmentation / mmdet / segment-anything"
$PIP install -q -r requirements/mminstall.txt -r requirements/tests.txt
$PIP install -q --no-deps --no-build-isolation -e .
$VENV/bin/python - <<'PY'
import torch, mmcv, mmengine, mmseg, mmdet, segment_anything  # noqa: F401
from mmcv.ops import nms, RoIAlign  # noqa: F401
import mmsam_prompt  # noqa: F401
print(f'torch {torch.__version__}, mmcv {mmcv.__version__} (ops ok), mmengine {mmengine.__version__}, '
      f'mmseg {mmseg.__version__}, mmdet {mmdet.__version__}')
PY
say "done. Activate with: source $VENV/bin/activate"
