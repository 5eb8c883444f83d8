"""The station: one guided run that takes the PC it runs on from intake to ready.

``reemploi station`` chains the stages a technician would type one by one — asset id,
probe, checklist, grade, wipe, certificate, image, labels and sheet, ready — and calls,
for each step, the very library function behind the matching command (``grading``'s
``grade_machine_step``, wipe's ``prepare``/``run_and_record``, the certificate's
``issue``, the image writer's ``plan_write``/``execute``, documents' ``make_labels``
/``make_sheet``): there is no second implementation of any step here.

* ``profile``: the unattended profile (TOML): which steps run and how, so a station
  needs no keypress from boot to power-off.
* ``progress``: which steps are done, decided from the journal alone, so a power cut
  or Ctrl-C at any step, then a restart, resumes at the first unfinished one.
* ``flow``: the steps themselves, talking to the operator through a ``ui``.
* ``grading``: probe → grade → record, the library call behind ``reemploi grade``
  and the station's grade step.
* ``ui`` / ``screen``: the line UI (logs, serial console, ``--profile``) and the
  full-screen keyboard-only UI for an 80×25 text console.
* ``disks``: the loose-disk batch (``reemploi station --disks``).
"""
