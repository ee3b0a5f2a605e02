// The k6 viewer benchmarks/peers.py measures the harness against: the same
// request pattern as locustfile.py (one media playlist, reloaded every target
// duration, each new segment fetched once, from the newest on). Segment
// bodies are discarded as they arrive (responseType 'none'), as k6 advises.
// Environment: PLAYLIST, VIEWERS, RAMP (s), HOLD (s), TARGET_DURATION (s).
import http from 'k6/http';
import { sleep } from 'k6';

const PLAYLIST = __ENV.PLAYLIST;
const TARGET = parseFloat(__ENV.TARGET_DURATION || '2');

export const options = {
  stages: [
    { duration: `${__ENV.RAMP}s`, target: parseInt(__ENV.VIEWERS) },
    { duration: `${__ENV.HOLD}s`, target: parseInt(__ENV.VIEWERS) },
  ],
  summaryTrendStats: ['avg', 'p(95)'],
};

let last = null; // per VU: sequence number of the newest segment fetched

function resolve(uri) {
  if (/^https?:/.test(uri)) return uri;
  const path = PLAYLIST.split('?')[0];
  return path.substring(0, path.lastIndexOf('/') + 1) + uri;
}

export default function () {
  const started = Date.now();
  const text = http.get(PLAYLIST, { tags: { name: 'playlist' } }).body || '';
  let sequence = 0;
  const listed = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) sequence = parseInt(line.split(':')[1]);
    else if (line && !line.startsWith('#')) listed.push([sequence++, line]);
  }
  for (const [number, uri] of last === null ? listed.slice(-1) : listed) {
    if (last === null || number > last) {
      http.get(resolve(uri), { responseType: 'none', tags: { name: 'segment' } });
      last = number;
    }
  }
  sleep(Math.max(0, TARGET - (Date.now() - started) / 1000));
}
