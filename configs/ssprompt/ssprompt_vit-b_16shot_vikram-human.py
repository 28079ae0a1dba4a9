# SSPrompt on 16 shots of the Vikram Shenoy human set (binary), vit-b SAM at 1024 px
# (model and schedule: ssprompt_vit-b_common.py). Both classes get a learned semantic prompt and
# a predicted mask (background_index=None, as for the multi-class sets). SemPrompt names them
# 'background' and 'person': the text encoder is told what the foreground is (the data set's own
# names, used in the logs, stay 'background' / 'foreground').
_base_ = ['./ssprompt_vit-b_common.py', '../_base_/datasets/vikram_human_seg.py']
class_names = ('background', 'person')
model = dict(decode_head=dict(
    num_classes=len(class_names), prompt_source=dict(semantic=dict(class_names=class_names))))
# the base's training set is the whole pool: draw the 16 shots (class-covering, seed 0)
train_dataloader = dict(
    dataset=dict(
        _delete_=True, type='KShotDataset', shots=16, seed=0,
        dataset=_base_.train_dataloader.dataset))
