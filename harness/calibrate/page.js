// The yardstick's page: plays a live stream with hls.js or dash.js (their
// defaults, as a web app ships them) and posts what a viewer saw back to the
// server that served it (harness/calibrate/yardstick.py).
//
// Figures are kept as kickoff keeps a viewer's: the startup of the first
// attempt (URL handed over to the first `playing`), stalls after an attempt's
// first frame (`waiting` to `playing`), and an error the player gives up on
// ends the attempt; the person presses play again after the same waits
// kickoff's viewer draws (config.replays), as a new player.
"use strict";

const TICK_MS = 100;  // how often the played time is given to the rung on screen
const TRACE_MAX = 3000;  // events kept for a reader of the figures
const DASH_FATAL = new Set([10, 11, 23]);  // dash.js: the MPD cannot be loaded or read, no MSE

function measurer(video) {
  const now = () => performance.now() / 1000;
  const m = {player: "", startup_s: null, stalls: 0, stalled_s: 0, played_s: 0, ladder: [],
             played_by_rung: {}, last_rung: null, kbps: null, media_bytes: 0, failures: 0,
             error: null, trace: []};
  let t0 = null, attemptAt = null, started = false, stalledSince = null, lastTime = null;
  let mediaS = 0;  // seconds of media in the segments received
  m.rung = null;  // the rung on screen (an index into the ladder, lowest first)
  m.begin = () => {  // an attempt: the URL is handed to a new player now
    attemptAt = now();
    if (t0 === null) t0 = attemptAt;
    started = false;
    lastTime = null;
  };
  m.note = (what, detail) => {  // [seconds since the first URL, what, detail, playhead, buffered end]
    if (t0 !== null && m.trace.length < TRACE_MAX) {
      const buffered = video.buffered.length ? video.buffered.end(video.buffered.length - 1) : 0;
      m.trace.push([+(now() - t0).toFixed(3), what, detail,
                    +video.currentTime.toFixed(3), +buffered.toFixed(3)]);
    }
  };
  m.received = (bytes, seconds) => { m.media_bytes += bytes; mediaS += seconds; };
  m.failed = (what) => {  // the attempt is over: a stall in progress ends with it
    m.note("failed", what);
    m.failures += 1;
    if (m.error === null) m.error = what;
    if (stalledSince !== null) m.stalled_s += now() - stalledSince;
    stalledSince = null;
    started = false;
  };
  for (const name of ["playing", "waiting", "seeking", "seeked", "canplay", "loadeddata"]) {
    video.addEventListener(name, () => m.note(name, video.readyState));
  }
  video.addEventListener("playing", () => {
    if (!started && m.startup_s === null) m.startup_s = now() - attemptAt;
    if (stalledSince !== null) m.stalled_s += now() - stalledSince;
    started = true;
    stalledSince = null;
  });
  video.addEventListener("waiting", () => {
    if (started && stalledSince === null) { m.stalls += 1; stalledSince = now(); }
  });
  setInterval(() => {  // media time played, by the rung on screen
    const t = video.currentTime;
    const step = lastTime === null ? 0 : t - lastTime;
    lastTime = t;
    // a jump (a seek to the live edge, a gap jumped) is not playing
    if (!started || step <= 0 || step > 4 * TICK_MS / 1000) return;
    m.played_s += step;
    if (m.rung !== null) {
      m.played_by_rung[m.rung] = (m.played_by_rung[m.rung] || 0) + step;
      m.last_rung = m.rung;
    }
  }, TICK_MS);
  m.result = () => {
    if (stalledSince !== null) m.stalled_s += now() - stalledSince;
    if (mediaS > 0) m.kbps = m.media_bytes * 8 / mediaS / 1000;
    const {rung, begin, note, received, failed, result, ...figures} = m;
    return figures;
  };
  return m;
}

function ascending(bitrates) {
  return [...bitrates].sort((a, b) => a - b);
}

function playHls(video, url, m, ended) {
  const hls = new Hls();
  m.player = "hls.js " + Hls.version;
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    m.ladder = ascending(hls.levels.map(l => l.bitrate));
  });
  hls.on(Hls.Events.FRAG_CHANGED, (_, data) => {
    m.rung = m.ladder.indexOf(hls.levels[data.frag.level].bitrate);
    m.note("frag_changed", [data.frag.level, data.frag.sn]);
  });
  hls.on(Hls.Events.FRAG_LOADED, (_, data) => {
    const frag = data.frag;
    m.received(frag.stats.loaded, frag.type === "main" ? frag.duration : 0);
    m.note("frag_loaded", [frag.type, frag.level, frag.sn, +frag.start.toFixed(3),
                           frag.duration, frag.stats.loaded]);
  });
  hls.on(Hls.Events.FRAG_BUFFERED, (_, data) => {
    m.note("frag_buffered", [data.frag.type, data.frag.level, data.frag.sn]);
  });
  hls.on(Hls.Events.LEVEL_LOADED, (_, data) => {
    m.note("level_loaded", [data.level, data.details.startSN, data.details.endSN]);
  });
  hls.on(Hls.Events.ERROR, (_, data) => {
    m.note("error", [data.details, data.fatal]);
    if (data.fatal) {
      hls.destroy();
      ended(data.details);
    }
  });
  hls.on(Hls.Events.MEDIA_ATTACHED, () => {
    m.begin();
    hls.loadSource(url);
    video.play().catch(() => {});
  });
  hls.attachMedia(video);
}

function playDash(video, url, m, ended) {
  const player = dashjs.MediaPlayer().create();
  const events = dashjs.MediaPlayer.events;
  m.player = "dash.js " + player.getVersion();
  // its default clock source is time.akamai.com; here the yardstick's own answers alike
  player.updateSettings({streaming: {utcSynchronization: {defaultTimingSource: {
    scheme: "urn:mpeg:dash:utc:http-iso:2014", value: location.origin + "/time"}}}});
  player.on(events.STREAM_INITIALIZED, () => {
    m.ladder = ascending(player.getRepresentationsByType("video").map(r => r.bandwidth));
  });
  player.on(events.QUALITY_CHANGE_RENDERED, (e) => {
    if (e.mediaType === "video") m.rung = m.ladder.indexOf(e.newRepresentation.bandwidth);
    m.note("quality_rendered", [e.mediaType, e.newRepresentation.bandwidth]);
  });
  player.on(events.FRAGMENT_LOADING_COMPLETED, (e) => {
    const r = e.request;
    // with the ABR's throughput estimate then (kbit/s; NaN before a usable sample)
    m.note("fragment_loaded", [r.mediaType, r.type, r.representation && r.representation.bandwidth,
                               r.index, r.startTime, r.duration, e.error ? String(e.error) : null,
                               Math.round(player.getAverageThroughput(r.mediaType))]);
    if (e.response && !e.error && r.type === "MediaSegment") {
      m.received(e.response.byteLength, r.mediaType === "video" ? r.duration : 0);
    }
  });
  player.on(events.ERROR, (e) => {
    const code = e.error && e.error.code;
    m.note("error", [code, String(e.error && e.error.message)]);
    if (DASH_FATAL.has(code)) {
      player.reset();
      ended(`dash.js error ${code}`);
    }
  });
  m.begin();
  player.initialize(video, url, true);
}

(async () => {
  const video = document.getElementById("video");
  const m = measurer(video);
  const config = await (await fetch("/go")).json();  // answered when both sides start
  const play = config.protocol === "dash" ? playDash : playHls;
  let replays = 0;
  const attempt = () => {
    try {
      play(video, config.url, m, (why) => {
        m.failed(why);
        if (replays < config.replays.length) setTimeout(attempt, config.replays[replays++] * 1000);
      });
    } catch (error) {
      m.failed(String(error));
    }
  };
  attempt();
  setTimeout(() => {
    fetch("/result", {method: "POST", body: JSON.stringify(m.result())});
  }, config.seconds * 1000);
})();
