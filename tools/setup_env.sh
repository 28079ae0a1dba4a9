#!/usr/bin/env bash
# One-command set-up: creates .venv, installs the pinned stack, builds mmcv 2.1.0 with
# compiled ops against the pinned torch (cached wheel, keyed by mmcv + torch + Python),
# and installs mmsam_prompt in editable mode.
#
#   bash tools/setup_env.sh            # creates ./.venv
#   VENV=/path/to/env bash tools/setup_env.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}
CACHE=${MMSAM_WHEEL_CACHE:-$HOME/.cache/mmsam_prompt/wheels}
t0=$(date +%s)
say() { printf '[setup %4ds] %s\n' $(( $(date +%s) - t0 )) "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtual environment $VENV"
  "$PY" -m venv "$VENV"
fi
# This machine's pip config lists local indexes whose missing folders make pip print one
# harmless warning per package; keep real errors visible, drop only those lines.
pip_() { "$VENV/bin/python" -m pip "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
PIP=pip_
$PIP install -q --upgrade pip >/dev/null 2>&1 || true
say "installing torch (requirements/torch.txt)"
$PIP install -q -r requirements/torch.txt
$PIP install -q -r requirements/build.txt

MMCV_VER=$(sed -n 's/^mmcv==//p' requirements/mmcv.txt)
TORCH_VER=$($VENV/bin/python -c 'import torch; print(torch.__version__.split("+")[0])')
PYTAG=$($VENV/bin/python -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
KEY="mmcv${MMCV_VER}-torch${TORCH_VER}-${PYTAG}"
mkdir -p "$CACHE/$KEY"
WHL=$(ls "$CACHE/$KEY"/mmcv-*.whl 2>/dev/null | head -n1 || true)
if $VENV/bin/python - "$MMCV_VER" <<'PY' 2>/dev/null
import sys, mmcv
from mmcv.ops import nms, RoIAlign  # noqa: F401  compiled ops present
assert mmcv.__version__ == sys.argv[1]
PY
then
  say "mmcv $MMCV_VER with compiled ops already installed"
else
  if [ -z "$WHL" ]; then
    say "building mmcv $MMCV_VER with compiled ops for torch $TORCH_VER ($PYTAG); about 8-10 min on 2 cores"
    BUILD=$(mktemp -d)
    $PIP download -q --no-deps --no-build-isolation --no-binary :all: "mmcv==$MMCV_VER" -d "$BUILD"
    tar -xzf "$BUILD"/mmcv-"$MMCV_VER".tar.gz -C "$BUILD"
    SRC="$BUILD/mmcv-$MMCV_VER"
    # torch >= 2.10 headers need C++20; mmcv 2.1.0 asks for C++14/17.
    sed -i -e "s/-std=c++14/-std=c++20/g" -e "s/-std=c++17/-std=c++20/g" "$SRC/setup.py"
    (cd "$SRC" && MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=${MAX_JOBS:-2} \
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
