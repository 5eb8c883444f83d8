"""The atelier bidouille: a trainee builds a PC ("Jerry") from harvested parts.

Pure modules first: ``content`` (the explanations as data, reemploi/data/atelier),
``explain`` (each part the probe found, in sentences a 14-year-old understands,
with comparisons computed from the machine's own numbers), ``checks`` (what the
machine can verify at each build step), ``quiz`` (questions from the trainee's own
machine, scored offline). Then the edges: ``record`` (trainees, sessions, the
``built`` Jerry, the peer check, in the journal), ``carnet`` (the signed build
booklet as PDF and as one offline HTML page) and ``screens`` (the keyboard-only
text console).
"""
