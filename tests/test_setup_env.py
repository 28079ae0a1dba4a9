"""tools/setup_env.sh's CUDA detection, run alone (--detect-only: nothing is installed or built),
with fake `nvcc` / `nvidia-smi` on PATH."""
import os
import os.path as osp
import subprocess

import pytest

from conftest import REPO

FAKE_NVCC = '''#!/bin/sh
echo "nvcc: NVIDIA (R) Cuda compiler driver"
echo "Cuda compilation tools, release 12.8, V12.8.93"
'''
FAKE_SMI = '''#!/bin/sh
[ "$1" = "-L" ] && echo "GPU 0: NVIDIA H200 (UUID: GPU-00000000-0000-0000-0000-000000000000)"
'''


def detect(tmp_path, tools=(), **env):
    """Run the detection with PATH = fake tools + the system's basic folders only."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir(exist_ok=True)
    for name in tools:
        script = bin_dir / name
        script.write_text(FAKE_NVCC if name == 'nvcc' else FAKE_SMI)
        script.chmod(0o755)
    base = dict(PATH=f'{bin_dir}:/usr/bin:/bin', HOME=os.environ.get('HOME', '/root'),
                MMSAM_CUDA_PROBE_DIRS='')  # no /usr/local/cuda/bin: the fakes decide
    proc = subprocess.run(['bash', 'tools/setup_env.sh', '--detect-only'], cwd=REPO,
                          env={**base, **env}, capture_output=True, text=True, timeout=120)
    if proc.returncode:
        return proc.returncode, proc.stderr
    return 0, dict(line.split('=', 1) for line in proc.stdout.splitlines() if '=' in line)


def test_fake_toolkit_and_gpu_select_the_cuda_build(tmp_path):
    rc, out = detect(tmp_path, ('nvcc', 'nvidia-smi'))
    assert rc == 0, out
    assert out['FORCE_CUDA'] == '1'
    assert out['NVCC'] == str(tmp_path / 'bin' / 'nvcc')
    assert out['CUDA_VERSION'] == '12.8'
    # the CUDA wheel gets its own cache folder, keyed by torch and CUDA version
    assert out['WHEEL_KEY'] == f"mmcv2.1.0-torch{out['TORCH_VERSION']}-{out['WHEEL_KEY'].split('-')[2]}-cu128"
    assert out['WHEEL_DIR'].endswith('/' + out['WHEEL_KEY'])


def test_without_toolkit_or_gpu_the_cpu_build_and_its_cache_key_stay(tmp_path):
    rc, none = detect(tmp_path)
    assert rc == 0, none
    assert (none['NVCC'], none['FORCE_CUDA']) == ('none', '0')
    # the CPU key is the one the set-up always used (CI's cached wheel stays valid)
    assert none['WHEEL_KEY'].startswith('mmcv2.1.0-torch') and '-cu' not in none['WHEEL_KEY']
    # nvcc without a GPU (this project's CPU machines carry CUDA's nvcc): still the CPU build
    rc, no_gpu = detect(tmp_path, ('nvcc', ))
    assert rc == 0, no_gpu
    assert (no_gpu['CUDA_VERSION'], no_gpu['FORCE_CUDA']) == ('12.8', '0')
    assert 'no GPU' in no_gpu['REASON'] and no_gpu['WHEEL_KEY'] == none['WHEEL_KEY']


@pytest.mark.parametrize('mode, tools, force, error', [
    ('0', ('nvcc', 'nvidia-smi'), '0', None),      # forced CPU build
    ('1', ('nvcc', ), '1', None),                  # a CUDA wheel for another machine
    ('1', (), None, 'MMSAM_CUDA=1 but no nvcc'),
    ('maybe', (), None, "MMSAM_CUDA must be auto, 0 or 1, got 'maybe'"),
])
def test_mmsam_cuda_overrides(tmp_path, mode, tools, force, error):
    rc, out = detect(tmp_path, tools, MMSAM_CUDA=mode)
    if error is None:
        assert rc == 0 and out['FORCE_CUDA'] == force, out
    else:
        assert rc != 0 and out.strip().count('\n') == 0 and error in out, out


def test_detection_reads_cuda_home(tmp_path):
    cuda = tmp_path / 'cuda'
    (cuda / 'bin').mkdir(parents=True)
    nvcc = cuda / 'bin' / 'nvcc'
    nvcc.write_text(FAKE_NVCC)
    nvcc.chmod(0o755)
    rc, out = detect(tmp_path, ('nvidia-smi', ), CUDA_HOME=str(cuda))
    assert rc == 0 and out['NVCC'] == str(nvcc) and out['FORCE_CUDA'] == '1', out
    assert osp.basename(out['WHEEL_DIR']).endswith('-cu128')
