// The diagram renderer, loaded by the page only once a workflow run is shown (a separate file:
// it is most of the page's weight). Bundled from the `mermaid` package; no request leaves x-server.
import mermaid from 'mermaid';

(globalThis as unknown as { xMermaid: typeof mermaid }).xMermaid = mermaid;
