"""The domain of the guests area: attendees, badges, the guest-list import and exports, changes, search,
invitation letters.

Empty on purpose: importing a module of the area runs no code of another."""
