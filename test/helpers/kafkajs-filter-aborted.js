// kafkajs's consumer/batch.js requires './filterAbortedMessages'; jest.config.js maps that request
// here, to crossdock's correct read_committed filter (core/kafkajs-patch.ts says why).
module.exports = require('../../core/kafkajs-read-committed.ts').filterAbortedMessages;
