"""The audit bundle: what an auditor needs to sign off an environment, from the assembly alone.

``python -m tools.audit cdk.out`` writes ``cdk.out/audit/<environment>/``:
controls, exception register, IAM, encryption, network, tags, idle cost, a
diagram and the loop map, each as a Markdown page and its JSON, with a
``README.md`` index. No AWS call and no clock: the same assembly and config
give the same bytes.
"""
