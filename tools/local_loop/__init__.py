"""The CD4ML loop run locally: real handlers, moto, and rules read from the synthesized templates.

``python -m tools.local_loop`` (``make simulate``) synthesizes the sandbox,
stands up what its templates declare in moto, and plays named scenarios:
each event goes to the handlers whose deployed rule would match it, and what
AWS would emit in reply (model package and pipeline state changes) is emitted.
"""
