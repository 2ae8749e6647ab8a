// Integration tests talk to a real broker, registry and Redis on a shared 2-core machine:
// group joins and consumer disconnects take seconds, not milliseconds.
jest.setTimeout(120000);
