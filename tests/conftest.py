import os.path as osp

import pytest
import torch

import mmsam_prompt  # noqa: F401  registers everything
from mmseg.utils import register_all_modules
from mmsam_prompt.models.sam.reference_sam import random_sam_state_dict

register_all_modules(init_default_scope=True)  # as mmseg's configs do (default_scope='mmseg')

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_DATA = osp.normpath(osp.join(REPO, '..', 'shared', 'data'))
HUMAN = osp.join(SHARED_DATA, 'vikram_human_seg')
CAMVID = osp.join(SHARED_DATA, 'camvid')


def require_shared_data():
    if not osp.isdir(HUMAN):
        raise FileNotFoundError(f'shared data expected at {SHARED_DATA} (beside the repository)')


@pytest.fixture(scope='session')
def tiny_ckpt(tmp_path_factory):
    path = tmp_path_factory.mktemp('ckpt') / 'sam_tiny_random.pth'
    torch.save(random_sam_state_dict('tiny', seed=0), path)
    return str(path)


@pytest.fixture(scope='session')
def vit_b_ckpt(tmp_path_factory):
    path = tmp_path_factory.mktemp('ckpt') / 'sam_vit_b_random.pth'
    torch.save(random_sam_state_dict('vit-b', seed=1), path)
    return str(path)


@pytest.fixture(scope='session')
def synthetic_data(tmp_path_factory):
    from mmsam_prompt.datasets.synthetic import make_synthetic_binary_dataset
    return make_synthetic_binary_dataset(str(tmp_path_factory.mktemp('synth')), num_train=6,
                                         num_val=3, size=(96, 128))
