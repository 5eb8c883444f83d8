"""Documents: labels, traceability sheets, certificates (reportlab, qrcode), printing (CUPS)."""
