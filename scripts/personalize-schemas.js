// serverless.yml reads the Personalize schemas from here (`${file(./scripts/personalize-schemas.js):interactions}`):
// CloudFormation's AWS::Personalize::Schema takes the Avro schema as a JSON string, and the one copy of
// the schemas is src/personalize/schemas.json, which `recs export-personalize` writes beside the data.
const schemas = require("../src/personalize/schemas.json");

module.exports = {
  interactions: JSON.stringify(schemas.interactions),
  items: JSON.stringify(schemas.items),
};
