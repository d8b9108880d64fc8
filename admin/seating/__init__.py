"""The pages and routes of the seating area (the hall (blocks, seats), seat assignment and balance, the seat
map); each calls the domain in models/seating/ where it exists.

Empty on purpose: importing a module of the area runs no code of another."""
