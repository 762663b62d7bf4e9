// serverless.yml grants InvokeEndpoint through this (`${file(./scripts/sagemaker-arn.js):endpointName}`):
// SageMaker writes endpoint names in lower case in its ARNs and IAM compares ARNs case-sensitively,
// so an endpoint "XGB-Ranker" must be granted as ".../endpoint/xgb-ranker". CloudFormation has no
// lower-case function; the Lambda keeps the name as given (InvokeEndpoint accepts it).
module.exports = {
  endpointName: async ({ resolveVariable }) =>
    String(await resolveVariable("param:sagemakerEndpointName")).toLowerCase(),
};
