#!/usr/bin/env bash
# Start the CUPS scheduler if it is not running and create the "reemploi-pdf" queue, a
# PDF printer (cups-pdf backend) that the test suite prints label sheets to and reads
# back. Installs nothing (scripts/install.sh --dev installs cups and
# printer-driver-cups-pdf, then calls this). Safe to run again: an existing queue is
# left as it is, only re-enabled.
#   scripts/setup_cups.sh            set up, then print the queue and its output folder
# Exit codes follow reemploi's table: 3 tool missing, 4 needs root, 5 tool failed.
set -euo pipefail

QUEUE="${REEMPLOI_PDF_QUEUE:-reemploi-pdf}"
CONF=/etc/cups/cups-pdf.conf
export LC_ALL=C

if [ "$(id -u)" -ne 0 ]; then
  echo "setup_cups.sh: run as root (sudo scripts/setup_cups.sh)" >&2
  exit 4
fi
PATH="$PATH:/usr/sbin:/sbin"
for tool in lpstat lpadmin lpinfo cupsenable cupsaccept cupsd; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "setup_cups.sh: '$tool' is missing (Debian packages: cups cups-client cups-bsd)" >&2
    exit 3
  fi
done

running() { lpstat -r 2>/dev/null | grep -q "is running"; }

if ! running; then
  # With systemd (a workshop PC) ask it; in a container or CI there is none, so start
  # the daemon ourselves: without -f, cupsd detaches and keeps running after we exit.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl start cups.service >/dev/null 2>&1 || true
  fi
  if ! running; then
    cupsd
  fi
  for _ in $(seq 1 50); do running && break; sleep 0.2; done
  if ! running; then
    echo "setup_cups.sh: cupsd did not start (see /var/log/cups/error_log)" >&2
    exit 5
  fi
fi

if lpstat -v "$QUEUE" >/dev/null 2>&1; then
  echo "queue $QUEUE already exists"
else
  # The PPD that printer-driver-cups-pdf ships, e.g. "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd".
  ppd=$(lpinfo -m 2>/dev/null | awk 'tolower($0) ~ /cups-pdf/ {print $1; exit}')
  if [ -z "$ppd" ]; then
    echo "setup_cups.sh: no cups-pdf PPD found (Debian package: printer-driver-cups-pdf)" >&2
    exit 3
  fi
  lpadmin -p "$QUEUE" -E -v cups-pdf:/ -m "$ppd" -D "reemploi PDF printer (tests)"
  echo "queue $QUEUE created with $ppd"
fi
cupsenable "$QUEUE"
cupsaccept "$QUEUE"

# Where cups-pdf writes: "Out" in its configuration (${HOME} is the job owner's home),
# or its built-in default /var/spool/cups-pdf/${USER}; anonymous jobs go to AnonDirName.
out=$(awk '$1 == "Out" {print $2}' "$CONF" 2>/dev/null | tail -n1)
[ -n "$out" ] || out='/var/spool/cups-pdf/${USER}'
echo "output folder: $out (\${HOME} and \${USER}: the job owner's)"
