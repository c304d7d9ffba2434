"""The model-build pipeline of this project: its settings, its code bundle and its definition.

``settings`` reads the CodeBuild environment the platform sets, ``code_bundle``
packs the step scripts with the platform's drift engine and uploads them, and
``definition`` builds the SageMaker pipeline with the SageMaker Python SDK v3.
``pipeline.py`` at the repository root is the command line over them.
"""
