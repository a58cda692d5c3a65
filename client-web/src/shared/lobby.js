// lobby.js keeps a page's copy of the room list from the lobby feed (GET /events): a rooms
// event replaces it, a changes event updates it.

/** replaceRooms makes rooms (a Map by id) hold exactly the list of a rooms event. */
export function replaceRooms(rooms, list) {
  rooms.clear();
  for (const r of list) rooms.set(r.id, r);
}

/**
 * applyChanges updates rooms (a Map by id) with a changes event: the rooms created or changed
 * since the last batch, as they are now, and the ids of those gone.
 */
export function applyChanges(rooms, { rooms: changed = [], closed = [] }) {
  for (const r of changed) rooms.set(r.id, r);
  for (const id of closed) rooms.delete(id);
}
