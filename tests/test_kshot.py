"""k-shot sampling: reproducible, class-covering, D1/D2 halves, clear errors."""
import json

import pytest
from mmseg.registry import DATASETS

from conftest import CAMVID, HUMAN, require_shared_data
from mmsam_prompt.datasets.kshot_dataset import KShotDataset, choose_k_shots


def camvid_pool(split='train'):
    # CamVid masks: 0-10 classes, 11 void (ignored)
    return dict(type='BaseSegDataset', data_root=CAMVID, img_suffix='.png', seg_map_suffix='.png',
                data_prefix=dict(img_path='images', seg_map_path='masks'),
                ann_file=f'splits/{split}.txt', metainfo=dict(classes=[str(i) for i in range(11)]),
                pipeline=[])


def human_pool():
    return dict(type='BinarySegDataset', data_root=HUMAN, foreground_values=(255, ),
                data_prefix=dict(img_path='images', seg_map_path='masks'),
                ann_file='splits/train_pool_first190_numeric.txt', pipeline=[])


def test_choose_covers_rare_classes_first():
    # class 9 only in image 5, class 8 only in image 2; everything else has class 0
    pool = [[0], [0, 1], [0, 8], [0, 1], [0], [0, 9], [0]]
    for seed in range(5):
        picked = choose_k_shots(pool, 2, seed)
        assert sorted(picked) == [2, 5]
    assert len({tuple(choose_k_shots(pool, 4, s)) for s in range(10)}) > 1  # seeds differ
    assert choose_k_shots(pool, 4, 3) == choose_k_shots(pool, 4, 3)


def test_kshot_is_reproducible_and_class_covering():
    require_shared_data()
    a = DATASETS.build(dict(type='KShotDataset', dataset=camvid_pool(), shots=4, seed=1,
                                ignore_index=11))
    b = DATASETS.build(dict(type='KShotDataset', dataset=camvid_pool(), shots=4, seed=1,
                                ignore_index=11))
    c = DATASETS.build(dict(type='KShotDataset', dataset=camvid_pool(), shots=4, seed=2,
                                ignore_index=11))
    assert a.summary()['files'] == b.summary()['files']
    assert a.summary()['files'] != c.summary()['files']
    assert len(a) == 4
    # 4 CamVid images chosen this way cover all 11 classes (every class is in >= 16 of 34 images)
    assert len(a.covered_classes) == 11 == a.summary()['pool_classes']
    assert 11 not in a.covered_classes  # void is not a class


def test_d1_d2_halves_partition_the_shots():
    require_shared_data()
    full = DATASETS.build(dict(type='KShotDataset', dataset=human_pool(), shots=8, seed=0))
    d1 = DATASETS.build(dict(type='KShotDataset', dataset=human_pool(), shots=8, seed=0,
                             subset='d1'))
    d2 = DATASETS.build(dict(type='KShotDataset', dataset=human_pool(), shots=8, seed=0,
                             subset='d2'))
    files = full.summary()['files']
    assert len(d1) == len(d2) == 4
    assert sorted(d1.summary()['files'] + d2.summary()['files']) == sorted(files)
    assert not set(d1.summary()['files']) & set(d2.summary()['files'])
    item = d2[0]
    assert item['img_path'].endswith(d2.summary()['files'][0])


def test_too_many_shots_is_one_clear_error():
    require_shared_data()
    with pytest.raises(ValueError, match=r'shots=40 but the pool has only 34 image'):
        KShotDataset(camvid_pool(), shots=40, ignore_index=11)


def test_images_without_labels_leave_the_pool(tmp_path):
    import numpy as np
    from PIL import Image
    for sub in ('images', 'masks', 'splits'):
        (tmp_path / sub).mkdir()
    for i in range(3):
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / 'images' / f'{i}.png')
        mask = np.full((8, 8), 255, np.uint8) if i == 1 else np.ones((8, 8), np.uint8)
        Image.fromarray(mask).save(tmp_path / 'masks' / f'{i}.png')
    (tmp_path / 'splits' / 'all.txt').write_text('0\n1\n2\n')
    pool = dict(type='BaseSegDataset', data_root=str(tmp_path), img_suffix='.png',
                seg_map_suffix='.png', data_prefix=dict(img_path='images', seg_map_path='masks'),
                ann_file='splits/all.txt', metainfo=dict(classes=['a', 'b']), pipeline=[])
    ds = KShotDataset(pool, shots=2)
    assert sorted(ds.summary()['files']) == ['0.png', '2.png']
    with pytest.raises(ValueError, match='only 2 image'):
        KShotDataset(pool, shots=3)


def test_record_hook_writes_the_chosen_files(tmp_path):
    require_shared_data()
    from types import SimpleNamespace
    from mmsam_prompt.engine.hooks import KShotRecordHook
    ds = KShotDataset(human_pool(), shots=4, seed=3)
    runner = SimpleNamespace(train_dataloader=SimpleNamespace(dataset=ds), work_dir=str(tmp_path))
    KShotRecordHook().before_train(runner)
    saved = json.loads((tmp_path / 'kshot_train.json').read_text())
    assert saved['files'] == ds.summary()['files'] and saved['seed'] == 3
