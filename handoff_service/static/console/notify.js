// Telling the agent without looking: a short chime (WebAudio) and the page title's "(N) kefu" badge.

import { state } from "./state.js";

let audio = null;

// browsers only let a page make sound after a click or key press: prepare the context then
export function unlockAudio() {
  var Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  try {
    if (!audio) audio = new Ctx();
    if (audio.state === "suspended") audio.resume();
  } catch (e) {
    audio = null;
  }
}

export function chime() {
  if (!audio) return;
  try {
    var start = audio.currentTime + 0.01;
    [880, 1320].forEach(function (freq, i) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      var at = start + i * 0.14;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.12, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.13);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.15);
    });
  } catch (e) {
    /* no sound is not an error */
  }
}

/** "(N) kefu" while N chats newly queued or assigned to me are not opened yet. */
export function updateTitle() {
  var n = Object.keys(state.unseenNew).length + Object.keys(state.unseenAssigned).length;
  document.title = n ? "(" + n + ") kefu" : "kefu";
}

/** Prepares the sound on the agent's first click or key press (browsers allow sound only after one). */
export function watchGestures() {
  document.addEventListener("pointerdown", unlockAudio, { passive: true });
  document.addEventListener("keydown", unlockAudio);
}
