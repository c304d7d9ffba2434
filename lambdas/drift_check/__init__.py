"""Drift check: the platform's own data drift engine and its scheduled Lambda function.

SageMaker Model Monitor is closed to new customers, so the platform computes drift
itself, in plain Python and numpy:

* ``drift_check.baseline`` builds the baseline of a model's training data (the build
  pipeline's baseline step, also a command line tool) and reads and writes its JSON
  document (format: ``BASELINE_FORMAT.md`` beside this file).
* ``drift_check.capture`` streams SageMaker endpoint data capture files line by line.
* ``drift_check.accumulator`` keeps the window's per-feature bin and category counts,
  so memory does not grow with the number of rows checked.
* ``drift_check.engine`` turns baseline and window counts into per-feature statistics,
  verdicts and one drift report (``drift_check.report``), against
  ``drift_check.thresholds``.
* ``drift_check.handler`` is the Lambda entry point (``drift_check.handler.handler``),
  run per deployed model by EventBridge Scheduler.

Runtime dependencies: numpy, botocore and aws_lambda_powertools (the last two only in
the handler side). No pandas, no scipy.
"""
