// The peers layer: upstream MCP servers as lazy categories over pooled connections.
export {
  defaultPeerTransport,
  type PeerTransport,
  type PeerTransportFactory,
} from './connection.js';
export {
  type DirectPeer,
  type ExposurePlan,
  exposurePlan,
  sharedCategory,
  TOOL_NAME,
} from './exposure.js';
export {
  PeerGateway,
  type PeerGatewayOptions,
  type PeerGatewayStats,
  SHUTDOWN_MARGIN_MS,
} from './gateway.js';
export {
  isPeerTool,
  type PeerTool,
  type PeerToolListing,
  peerErrorContent,
} from './peer-tool.js';
