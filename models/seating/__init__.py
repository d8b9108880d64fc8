"""The domain of the seating area: the hall (blocks, seats), seat assignment and balance, the seat map.

Empty on purpose: importing a module of the area runs no code of another."""
