'use strict';
// Stand-in for node:assert inside the `healer stage` bundle only. signal-exit 3 (used by proper-lockfile to release
// locks when the process exits) calls assert.equal once, to check that it was given a callback; loading the real
// node:assert costs every CI job ~5 ms because it initialises process.stderr for its coloured diffs.
function ok(value, message) {
  if (!value) throw new Error(message || 'assertion failed');
}
ok.ok = ok;
ok.equal = function equal(actual, expected, message) {
  // eslint-disable-next-line eqeqeq
  if (actual != expected) throw new Error(message || `${actual} == ${expected}`);
};
module.exports = ok;
