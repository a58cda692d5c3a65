// main.js starts the player page: the lobby at `/`, or straight into a room for a link
// `/?room=ID&name=N`. The URL always names the room being played, so a reload lands in the
// same room and, with the session token kept per room in localStorage, in the same seat; so
// does the same link in a new tab or a restarted browser.
import { loadArt } from '../shared/assets.js';
import { TokenStore } from './net.js';
import { Match } from './match.js';
import { Lobby, cleanName, defaultName } from './ui.js';

const tokens = new TokenStore(globalThis.localStorage);
const matchRoot = document.getElementById('match');
const artReady = loadArt().catch((err) => {
  console.warn('skirmish: drawing without sprites:', err.message);
  return {};
});

function socketURL() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

function setURL(params) {
  const url = new URL(location.href);
  url.search = new URLSearchParams(params).toString();
  history.replaceState(null, '', url);
}

const lobby = new Lobby(document.getElementById('lobby'), (room, name, url) => play(room, name, url));

async function play(room, name, url = socketURL()) {
  lobby.hide();
  setURL({ room, name });
  document.body.dataset.state = 'connecting';
  const art = await artReady;
  const match = new Match({
    root: matchRoot,
    art,
    room,
    name,
    tokens,
    url,
    onExit: (message) => {
      setURL({});
      lobby.show(message, message ? room : '');
    },
  });
  match.start();
  // The page's statistics, for a curious player's console and the browser tests.
  globalThis.skirmish = { stats: match.stats };
}

const params = new URLSearchParams(location.search);
const room = params.get('room')?.trim();
if (room) {
  play(room, cleanName(params.get('name') ?? '') || defaultName());
} else {
  lobby.show();
}
