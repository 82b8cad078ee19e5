export { startBroker, type BrokerHandle, type BrokerOptions, type CleanerReport } from './server.ts';
