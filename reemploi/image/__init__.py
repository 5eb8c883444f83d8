"""Image stage: catalogue of Emmabuntüs images, a verified sparse writer, post-install.

Flow (house rule 6, the same as the wipe): guard the target -> plan (which byte
ranges hold data, image vs disk size) -> confirm -> write only mapped ranges with
their checksums verified -> optional read-back -> post-install steps on the written
disk -> record ``image.written`` in the inventory journal.

Modules:
  bmap.py        bmaptool's XML block map (read and write, versions 1.x and 2.0)
  blockmap.py    find the ranges of an image that hold data (holes, zero blocks)
  szst.py        our master format: one independent zstd frame per mapped chunk + index
  sources.py     open any image (raw, ISO, .zst/.xz/.gz, sparse zst) as chunks to write
  writer.py      the writer engine (threads, O_DIRECT, verify, progress)
  postinstall.py steps on the written disk (GPT backup, grow, hostname, machine-id...)
  catalogue.py   images/*.toml and the local registry in <home>/images/
  choose.py      which image suits a machine (pure)
  service.py     the orchestration the CLI calls (guard, wipe check, record)
"""
