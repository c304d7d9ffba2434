"""How CloudFormation names resources: name properties, ARN shapes, what ``Ref`` returns."""

from __future__ import annotations

# The property that holds a resource's physical name, when the template sets it.
NAME_PROPERTIES: dict[str, str] = {
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CodePipeline::Pipeline": "Name",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Events::Rule": "Name",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Role": "RoleName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SSM::Parameter": "Name",
    "AWS::SageMaker::Endpoint": "EndpointName",
    "AWS::SageMaker::ModelPackageGroup": "ModelPackageGroupName",
    "AWS::SageMaker::Pipeline": "PipelineName",
    "AWS::Scheduler::Schedule": "Name",
}

# ``Fn::GetAtt [id, Arn]`` shapes: {p} partition, {r} region, {a} account, {n} name.
ARN_FORMATS: dict[str, str] = {
    "AWS::CloudWatch::Alarm": "arn:{p}:cloudwatch:{r}:{a}:alarm:{n}",
    "AWS::CodePipeline::Pipeline": "arn:{p}:codepipeline:{r}:{a}:{n}",
    "AWS::DynamoDB::Table": "arn:{p}:dynamodb:{r}:{a}:table/{n}",
    "AWS::Events::Rule": "arn:{p}:events:{r}:{a}:rule/{n}",
    "AWS::IAM::ManagedPolicy": "arn:{p}:iam::{a}:policy/{n}",
    "AWS::IAM::Role": "arn:{p}:iam::{a}:role/{n}",
    "AWS::KMS::Key": "arn:{p}:kms:{r}:{a}:key/{n}",
    "AWS::Lambda::Function": "arn:{p}:lambda:{r}:{a}:function:{n}",
    "AWS::Logs::LogGroup": "arn:{p}:logs:{r}:{a}:log-group:{n}:*",
    "AWS::S3::Bucket": "arn:{p}:s3:::{n}",
    "AWS::SNS::Topic": "arn:{p}:sns:{r}:{a}:{n}",
    "AWS::SQS::Queue": "arn:{p}:sqs:{r}:{a}:{n}",
    "AWS::SSM::Parameter": "arn:{p}:ssm:{r}:{a}:parameter{n}",
    "AWS::SageMaker::Endpoint": "arn:{p}:sagemaker:{r}:{a}:endpoint/{n}",
    "AWS::SageMaker::ModelPackageGroup": "arn:{p}:sagemaker:{r}:{a}:model-package-group/{n}",
    "AWS::SageMaker::Pipeline": "arn:{p}:sagemaker:{r}:{a}:pipeline/{n}",
}

# Types whose ``Ref`` is their ARN rather than their name.
REF_IS_ARN = frozenset({"AWS::SNS::Topic", "AWS::IAM::ManagedPolicy"})
