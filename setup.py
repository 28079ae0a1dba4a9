from setuptools import find_packages, setup

setup(
    name='mmsam_prompt',
    version='0.1.0',
    description='Few-shot prompt learning for Segment Anything as an MMSegmentation plugin',
    packages=find_packages(include=['mmsam_prompt', 'mmsam_prompt.*']),
    python_requires='>=3.9',
    include_package_data=True,
    package_data={'mmsam_prompt.tools': ['*.yaml']},  # the papers' numbers
)
