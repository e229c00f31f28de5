"""Working with no signal: the installable app (manifest, service worker) and the pages the outbox needs."""
