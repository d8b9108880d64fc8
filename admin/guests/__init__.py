"""The pages and routes of the guests area (attendees, badges, the guest-list import and exports, changes,
search, invitation letters); each calls the domain in models/guests/ where it exists.

Empty on purpose: importing a module of the area runs no code of another."""
