// main.js starts the operators' dashboard at /admin: it asks for the operator token once (kept
// for the tab's session), then plots the server's figures from GET /api/admin/events and keeps
// the room table with its actions. Test hooks: document.body.dataset.state is `login`,
// `refused` (a token the server does not take), `live` or `reconnecting`; dataset.samples
// counts the figures received; globalThis.skirmish.admin.series holds what the plots show.
import 'uplot/dist/uPlot.min.css';
import { AuthStream } from './stream.js';
import { Plot, bytes, count, ms } from './plots.js';
import { Series } from './series.js';
import { RoomTable } from './table.js';

const tokenKey = 'skirmish.admin.token';
const login = document.getElementById('login');
const tokenInput = login.querySelector('input[type=password]');
const dashboard = document.getElementById('dashboard');
const notice = document.getElementById('admin-notice');

function showLogin(error = '') {
  document.body.dataset.state = error ? 'refused' : 'login';
  dashboard.hidden = true;
  login.hidden = false;
  const p = document.getElementById('login-error');
  p.textContent = error;
  p.hidden = error === '';
  tokenInput.focus();
}

function say(text) {
  notice.textContent = text;
  notice.hidden = text === '';
}

// authorized asks the operator API whether it takes token.
async function authorized(token) {
  const res = await fetch('/api/admin/rooms', { headers: { Authorization: `Bearer ${token}` } });
  return res.ok;
}

function start(token) {
  login.hidden = true;
  dashboard.hidden = false;
  document.body.dataset.samples = '0';
  const series = new Series();
  globalThis.skirmish = { admin: { series } };
  const plots = {
    tick: new Plot(document.querySelector('#plot-tick .chart'), ['p50', 'p99'], ms),
    rooms: new Plot(document.querySelector('#plot-rooms .chart'), [], ms),
    people: new Plot(document.querySelector('#plot-people .chart'), ['players', 'spectators'], count),
    bytes: new Plot(document.querySelector('#plot-bytes .chart'), ['to players'], bytes),
    trouble: new Plot(document.querySelector('#plot-trouble .chart'), ['late ticks', 'pauses', 'refusals'], count),
  };
  const draw = () => {
    plots.tick.update(series.data('tickP50', 'tickP99'));
    plots.rooms.update(series.roomData(), series.roomIDs());
    plots.people.update(series.data('players', 'spectators'));
    plots.bytes.update(series.data('bytesOut'));
    plots.trouble.update(series.data('lateTicks', 'pauses', 'refusals'));
    document.body.dataset.samples = String(series.times.length);
  };
  window.addEventListener('resize', () => Object.values(plots).forEach((p) => p.resize()));

  const act = async (path, body) => {
    const res = await fetch(path, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = await res.json().catch(() => ({}));
    say(res.ok ? '' : `Refused: ${answer.error ?? res.statusText}`);
  };
  const table = new RoomTable(document.getElementById('rooms-card'), act);
  const now = document.getElementById('now');
  const stream = new AuthStream('/api/admin/events', token, {
    history: (list) => {
      list.forEach((f) => series.add(f));
      const latest = list[list.length - 1];
      if (latest?.table) table.update(latest.table);
      draw();
    },
    figures: (f) => {
      if (!series.add(f)) return;
      table.update(f.table ?? []);
      now.textContent = `${f.rooms} rooms, ${f.players} players, ${f.ticks} ticks in the last second`;
      draw();
    },
  }, (state) => {
    const conn = document.getElementById('admin-conn');
    switch (state) {
      case 'open':
        document.body.dataset.state = 'live';
        conn.textContent = 'live';
        break;
      case 'reconnecting':
        document.body.dataset.state = 'reconnecting';
        conn.textContent = 'reconnecting…';
        break;
      default:
        sessionStorage.removeItem(tokenKey);
        showLogin('The server no longer takes this token.');
    }
  });
  document.getElementById('forget').onclick = () => {
    stream.close();
    sessionStorage.removeItem(tokenKey);
    location.reload();
  };
}

login.addEventListener('submit', async (e) => {
  e.preventDefault();
  const token = tokenInput.value.trim();
  if (!(await authorized(token))) {
    showLogin('That is not this server\'s operator token.');
    return;
  }
  sessionStorage.setItem(tokenKey, token);
  start(token);
});

const saved = sessionStorage.getItem(tokenKey);
if (saved && (await authorized(saved))) start(saved);
else showLogin();
