// The snapshot the server sends, typed by the server's own definitions (type-only: nothing of
// the server is bundled into the page).
export type {
  CategoryRow,
  DashboardSnapshot as Snapshot,
  RunSummary,
} from '../src/dashboard/snapshot.js';
export type { ToolFigures } from '../src/dashboard/windows.js';
