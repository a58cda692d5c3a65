// main.js starts the spectator page: /watch lists the live rooms, /watch/{room} shows one,
// /watch/replay lists the finished matches (?room=ID: one room's) and /watch/replay/{match}
// plays one again.
import { loadArt } from '../shared/assets.js';
import { Replay } from './replay.js';
import { showReplays } from './replays.js';
import { showRoomList } from './roomlist.js';
import { Watch } from './room.js';

const [first = '', second = ''] = location.pathname.replace(/^\/watch\/?/, '').split('/').map(decodeURIComponent);
document.body.dataset.events = '0';

async function art() {
  return loadArt().catch((err) => {
    console.warn('skirmish: drawing without sprites:', err.message);
    return {};
  });
}

if (first === 'replay' && second === '') {
  showReplays(document.getElementById('replays'), new URLSearchParams(location.search).get('room') ?? '');
} else if (first === 'replay') {
  document.body.dataset.match = second;
  new Replay(document.getElementById('match'), second, await art()).start();
} else if (first === '') {
  showRoomList(document.getElementById('index'));
} else {
  document.body.dataset.room = first;
  new Watch(document.getElementById('match'), first, await art()).start();
}
