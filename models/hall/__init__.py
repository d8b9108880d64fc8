"""The hall: its blocks and seats (Block, Seat) and a seat spelled out (seats.phrase). Below the
guests, who hold a seat; who sits where (the assignment, the relayout, the seat map) is the
seating area above them."""
