// main.js starts the spectator page: /watch lists the live rooms, /watch/{room} shows one.
import { loadArt } from '../shared/assets.js';
import { showRoomList } from './roomlist.js';
import { Watch } from './room.js';

const room = decodeURIComponent(location.pathname.replace(/^\/watch\/?/, '').split('/')[0] ?? '');
document.body.dataset.events = '0';
if (room === '') {
  showRoomList(document.getElementById('index'));
} else {
  document.body.dataset.room = room;
  const art = await loadArt().catch((err) => {
    console.warn('skirmish: drawing without sprites:', err.message);
    return {};
  });
  new Watch(document.getElementById('match'), room, art).start();
}
