// Trains in a Web Worker (the trainer's calls block their thread while the pthread workers compute)
// and puts what it reports on the page for the test to read.
const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
worker.onmessage = (event) => {
  document.body.dataset.result = JSON.stringify(event.data);
};
worker.onerror = (event) => {
  document.body.dataset.result = JSON.stringify({ error: event.message });
};
