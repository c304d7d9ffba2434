"""The packs' findings a loop function answers by design, each with its reason."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_

from cd4ml_constructs.compliance import acknowledge


def acknowledge_function_design(
    cfn_function: lambda_.CfnFunction, *, reserved_concurrency: bool, in_vpc: bool
) -> None:
    """Dead letters by destination, the runtime pin, and the environment's choices.

    :param reserved_concurrency: whether the function reserves concurrency.
    :param in_vpc: whether the function runs in the VPC.
    """
    acknowledge(
        cfn_function,
        "Failed asynchronous invocations go to an on-failure destination (an "
        "encrypted SQS queue with an alarm), which records the request, the error "
        "and the attempts; a DeadLetterConfig would only duplicate it.",
        "HIPAA.Security::HIPAA.Security-LambdaDLQ",
        "NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ",
        "Serverless::Serverless-LambdaDLQ",
    )
    acknowledge(
        cfn_function,
        "python3.13 is part of the loop's runtime contract: the pinned Powertools and AWS "
        "SDK for pandas layers are built for it and Lambda supports it. A newer runtime "
        "is adopted together with layers built for it (RUNTIME and the layer pins).",
        "AwsSolutions::AwsSolutions-L1",
        "Serverless::Serverless-LambdaLatestVersion",
    )
    if not reserved_concurrency:
        acknowledge(
            cfn_function,
            "Reserved concurrency is switched off for this function in the "
            "environment's config (loop.reserved_concurrency): reservations need an "
            "account concurrency quota above the 100 executions Lambda keeps unreserved.",
            "HIPAA.Security::HIPAA.Security-LambdaConcurrency",
            "NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency",
        )
    if not in_vpc:
        acknowledge(
            cfn_function,
            "The environment runs the loop functions outside the VPC "
            "(loop.functions_in_vpc: false) to save the interface endpoints they would "
            "need; they call only AWS APIs, over TLS, with a least-privilege role.",
            "HIPAA.Security::HIPAA.Security-LambdaInsideVPC",
            "NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC",
            "PCI.DSS.321::PCI.DSS.321-LambdaInsideVPC",
        )
