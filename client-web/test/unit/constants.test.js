// The tables the web client shares with the Go side, checked against the file a Go test writes
// from the Go definitions (game/protocol/testdata/constants.json): a close code, a reaction, a
// limit or a flag that differs fails here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SubPixel, TileSize } from '../../src/shared/map.js';
import { Code, verdict } from '../../src/play/net.js';
import { Buttons, EventKind, MaxName, RoomStateCode, ShipFlags, Version } from '../../src/play/protocol.js';
import { Reactions } from '../../src/watch/room.js';
import { repoFile } from './repo.js';

const go = JSON.parse(repoFile('game/protocol/testdata/constants.json'));

test('protocol version, name limit and world units match the Go side', () => {
  assert.equal(Version, go.protocolVersion);
  assert.equal(MaxName, go.maxName);
  assert.equal(SubPixel, go.subPixel);
  assert.equal(TileSize, go.tileSize);
});

test('buttons, ship flags, room states and event kinds match the Go side', () => {
  assert.deepEqual({ ...Buttons }, go.buttons);
  assert.deepEqual({ ...ShipFlags }, go.shipFlags);
  assert.deepEqual({ ...RoomStateCode }, go.states);
  assert.deepEqual({ ...EventKind }, go.eventKinds);
});

test('close codes and whether to reconnect after them match the Go side', () => {
  const codes = Object.fromEntries(Object.entries(go.closeCodes).map(([name, c]) => [name, c.code]));
  assert.deepEqual({ ...Code }, codes);
  for (const [name, c] of Object.entries(go.closeCodes)) {
    assert.equal(verdict(c.code).final, !c.reconnect, `after ${name} (${c.code}) the clients must agree on reconnecting`);
  }
});

// offered lists the option values of a choice in the lobby's page.
function offered(id) {
  const html = repoFile('client-web/static/index.html').toString();
  const select = html.match(new RegExp(`<select id="${id}">([\\s\\S]*?)</select>`));
  assert.ok(select, `no choice #${id} in the lobby`);
  return [...select[1].matchAll(/value="([^"]+)"/g)].map((m) => m[1]);
}

test('the lobby offers every map and bot level the server has, and no other', () => {
  assert.deepEqual(offered('map'), go.maps);
  assert.deepEqual(offered('level'), go.botLevels);
});

test('the spectator page offers the reactions the server knows', () => {
  assert.deepEqual(Reactions, go.reactions);
});
