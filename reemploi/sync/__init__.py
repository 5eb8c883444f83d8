"""The station side of sync: push the journal to the central server, pull it back.

Standard library only (``urllib``, ``json``, ``hashlib``) plus the station's existing
Ed25519 key (``reemploi.wipe.signing``): a live stick needs nothing new to sync.
``protocol`` holds what both sides must agree on (messages signed, headers, receipt
form); ``client`` talks HTTP with retries and back-off; ``anchor`` keeps the last
signed receipt and checks the journal against it. See docs/central.md.
"""
