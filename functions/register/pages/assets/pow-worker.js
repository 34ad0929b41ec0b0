// Solves the API's proof-of-work challenge (ALTCHA v1): the number n for which hash(salt + n) equals challenge.
"use strict";
const BATCH = 200;

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

self.onmessage = async (event) => {
  const { algorithm, challenge, salt, maxnumber } = event.data;
  const encoder = new TextEncoder();
  for (let start = 0; start <= maxnumber; start += BATCH) {
    const numbers = [];
    for (let n = start; n < start + BATCH && n <= maxnumber; n += 1) numbers.push(n);
    const digests = await Promise.all(numbers.map((n) => crypto.subtle.digest(algorithm, encoder.encode(salt + n))));
    const index = digests.findIndex((d) => hex(d) === challenge);
    if (index >= 0) {
      self.postMessage({ number: numbers[index] });
      return;
    }
  }
  self.postMessage({ number: null });
};
