"""Disk sanitization per NIST SP 800-88 r1: plan (pure), engines, records, certificates.

plan.py decides; engine.py overwrites and verifies; firmware.py talks to hdparm/nvme
through the runner; run.py runs guard → plan → act → verify → record for many disks
at once; signing.py and certificate.py make the signed erasure certificate.
"""
