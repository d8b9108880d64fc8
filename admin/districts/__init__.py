"""The pages and routes of the districts area (district delegations: private links, seat quotas, nominations);
each calls the domain in models/districts/ where it exists.

Empty on purpose: importing a module of the area runs no code of another."""
