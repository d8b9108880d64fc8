"""Personal data (Law 91/2025/QH15, Decree 356/2025/NĐ-CP): what is held about one person
(access) and erasing it (erasure) while the event's figures stay. A layer above the areas it
reads and rewrites (guests, check-in, ceremony, exhibition, districts, accounts' audit log)."""
