# The stick's data dir is the persistence partition's bind mount (live/includes.chroot/
# etc/environment sets the same for services).
export REEMPLOI_HOME=/var/lib/reemploi
