// kafkajs's producer/messageProducer.js requires './sendMessages', and core/kafkajs-send-fix.ts checks
// 'kafkajs/src/producer/sendMessages.js'; jest.config.js maps both here, to kafkajs's own module
// with crossdock's retry fix (core/kafkajs-send-fix.ts says why). The original is reached by its
// file path, which the mapping does not match.
const path = require('path');
const original = require(path.join(__dirname, '../../node_modules/kafkajs/src/producer/sendMessages.js'));
module.exports = require('../../core/kafkajs-send-fix.ts').fixSendMessages(original);
