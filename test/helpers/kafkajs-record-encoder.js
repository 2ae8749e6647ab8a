// kafkajs's produce request requires '../../../recordBatch/record/v0'; jest.config.js maps it here,
// to crossdock's faster encoder of the same bytes (core/kafkajs-record-encoder.ts says why). The
// original is reached by its file path, which the mapping does not match.
const path = require('path');
const protocol = path.join(__dirname, '../../node_modules/kafkajs/src/protocol');
const original = require(path.join(protocol, 'recordBatch/record/v0/index.js'));
const Encoder = require(path.join(protocol, 'encoder.js'));
module.exports = require('../../core/kafkajs-record-encoder.ts').fastRecordEncoder(
  original,
  Encoder.prototype,
);
