"""Runtime code shared by the functions of the CD4ML loop.

The retrain trigger, the quality gate and the deploy trigger each ship as their
own Lambda asset with a copy of this package beside them. It holds what the
three agree on: how events are parsed and refused, how a project's policy is
read, how resources are named, and how decisions, leases and deployed versions
are written down. ``README.md`` in this folder documents the stored item shapes.
"""
