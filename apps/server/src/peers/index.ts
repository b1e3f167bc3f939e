// The peers layer: upstream MCP servers as lazy categories over pooled connections.
export {
  defaultPeerTransport,
  type PeerTransport,
  type PeerTransportFactory,
} from './connection.js';
export {
  PeerGateway,
  type PeerGatewayOptions,
  type PeerGatewayStats,
  SHUTDOWN_MARGIN_MS,
} from './gateway.js';
